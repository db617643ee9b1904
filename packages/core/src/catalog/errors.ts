import { AppError } from "../shared/errors.ts";

export class VersionConflictError extends AppError {
  readonly status = 409;
  readonly code = "VERSION_CONFLICT";

  constructor(id: string, current: number) {
    super(`Product ${id} changed since you read it; it is now at version ${current}`, {
      currentVersion: current,
    });
  }
}

export class InsufficientStockError extends AppError {
  readonly status = 409;
  readonly code = "INSUFFICIENT_STOCK";

  constructor(id: string) {
    super(`Product ${id} does not have that much stock to remove`);
  }
}
