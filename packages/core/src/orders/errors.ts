import { AppError } from "../shared/errors.ts";

export class UnknownProductError extends AppError {
  readonly status = 422;
  readonly code = "UNKNOWN_PRODUCT";

  constructor(productId: string) {
    super(`Product ${productId} does not exist`, { productId });
  }
}

export class MixedCurrencyError extends AppError {
  readonly status = 422;
  readonly code = "MIXED_CURRENCY";

  constructor() {
    super("All products of one order must be priced in the same currency");
  }
}

export class OrderNotCancellableError extends AppError {
  readonly status = 409;
  readonly code = "ORDER_NOT_CANCELLABLE";

  constructor(id: string, status: string) {
    super(`Order ${id} is ${status} and can no longer be cancelled`);
  }
}

/** A customer's per-day limit (see OrderLimits) would be exceeded by this order. */
export class OrderLimitReachedError extends AppError {
  readonly status = 409;
  readonly code = "ORDER_LIMIT_REACHED";

  constructor(
    limit: "openOrdersPerDay" | "unitsPerProductPerDay",
    max: number,
    detail: { productId?: string; held?: number } = {},
  ) {
    super(
      limit === "openOrdersPerDay"
        ? `You already have ${max} open orders placed today, the most one customer may hold; cancel one or wait until 00:00 UTC`
        : `Today's open orders would hold more than ${max} units of product ${detail.productId} (you hold ${detail.held})`,
      { limit, max, ...detail },
    );
  }
}

/** A customer placed `ordersPerMinute` orders in the last 60 s, or places too many at once. */
export class TooManyOrdersError extends AppError {
  readonly status = 429;
  readonly code = "TOO_MANY_ORDERS";
  override readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number, details?: Record<string, unknown>) {
    super(message, details);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
