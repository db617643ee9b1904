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
