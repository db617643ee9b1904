import { AppError } from "@meridian/core";

/** Transport-level failures: they exist only because HTTP carries the request. */
export class MalformedJsonError extends AppError {
  readonly status = 400;
  readonly code = "MALFORMED_JSON";

  constructor() {
    super("Request body is not valid JSON");
  }
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly code = "PAYLOAD_TOO_LARGE";

  constructor(limitBytes: number) {
    super(`Request body exceeds ${limitBytes} bytes`);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
  readonly code = "UNSUPPORTED_MEDIA_TYPE";

  constructor(contentType: string) {
    super(`Content-Type ${contentType} is not supported; send application/json`);
  }
}

/**
 * Messages name the method (an HTTP token: no `<`, `>`, quotes or spaces) but never the path: it is text the
 * client chose, and an error page that repeats it is a way to put markup in front of a browser.
 */
export class RouteNotFoundError extends AppError {
  readonly status = 404;
  readonly code = "ROUTE_NOT_FOUND";

  constructor(method: string) {
    super(`No route for ${method} on this path; the routes are listed at /docs`);
  }
}

export class MethodNotAllowedError extends AppError {
  readonly status = 405;
  readonly code = "METHOD_NOT_ALLOWED";
  readonly allow: string[];

  constructor(method: string, allow: string[]) {
    super(`${method} is not allowed on this path; allowed: ${allow.join(", ")}`);
    this.allow = allow;
  }
}

/**
 * The request line and headers are over the HTTP server's limit. Only a Node server raises it (the sandbox,
 * from its `clientError` handler): in AWS the front door refuses such a request before the function runs.
 */
export class HeadersTooLargeError extends AppError {
  readonly status = 431;
  readonly code = "HEADERS_TOO_LARGE";

  constructor(limitBytes: number) {
    super(`Request line and headers exceed ${limitBytes} bytes`);
  }
}

/** The bytes received are not an HTTP/1.1 request (a bad request line, a malformed header, bad framing). */
export class MalformedRequestError extends AppError {
  readonly status = 400;
  readonly code = "MALFORMED_REQUEST";

  constructor(reason?: string) {
    super(reason ? `Malformed HTTP request: ${reason}` : "Malformed HTTP request");
  }
}
