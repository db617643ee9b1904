import { AppError } from "../shared/errors.ts";

export type Role = "admin" | "customer";

/** A signed-in user, from a verified token: `sub` and the groups claim. */
export interface UserPrincipal {
  sub: string;
  role: Role;
  groups: string[];
}

export class TokenInvalidError extends AppError {
  readonly status = 401;
  readonly code = "TOKEN_INVALID";

  constructor(message = "Bearer token is missing, malformed, expired or not issued for this API") {
    super(message);
  }
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly code = "FORBIDDEN";

  constructor(message: string) {
    super(message);
  }
}

/** `admin` when the groups claim holds the admin group, `customer` otherwise. */
export function roleOf(groups: string[], adminGroup = "admin"): Role {
  return groups.includes(adminGroup) ? "admin" : "customer";
}

export function requireAdmin(user: UserPrincipal): void {
  if (user.role !== "admin") throw new ForbiddenError("This action needs the admin role");
}
