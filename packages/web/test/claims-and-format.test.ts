import { describe, expect, it } from "vitest";
import { decodeJwtPayload, roleOf } from "../src/claims.ts";
import { formatPrice, fractionDigits, toMajorText, toMinorUnits } from "../src/format.ts";
import { routeOf } from "../src/router.ts";

const jwt = (payload: unknown) =>
  `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.c2ln`;

describe("roleOf", () => {
  it("is admin only when the access token's cognito:groups holds admin", () => {
    expect(roleOf(jwt({ sub: "u1", "cognito:groups": ["admin"] }))).toBe("admin");
    expect(roleOf(jwt({ sub: "u1", "cognito:groups": ["customer"] }))).toBe("customer");
    expect(roleOf(jwt({ sub: "u1", "cognito:groups": "admin" }))).toBe("customer");
    expect(roleOf(jwt({ sub: "u1" }))).toBe("customer");
    expect(roleOf("not-a-token")).toBe("customer");
    expect(roleOf(undefined)).toBe("customer");
  });

  it("decodes base64url payloads with non-ASCII text and no padding", () => {
    expect(decodeJwtPayload(jwt({ name: "Zoë ñ ✓", n: 1 }))).toEqual({ name: "Zoë ñ ✓", n: 1 });
    expect(decodeJwtPayload(`x.${Buffer.from("[1]").toString("base64url")}.y`)).toBeUndefined();
    expect(decodeJwtPayload("x.%%%.y")).toBeUndefined();
  });
});

describe("prices", () => {
  it("reads typed prices in minor units on the digits, with the currency's decimals", () => {
    expect(toMinorUnits("12.5", "EUR")).toBe(1250);
    expect(toMinorUnits(" 12,50 ", "EUR")).toBe(1250);
    expect(toMinorUnits("0.07", "USD")).toBe(7);
    expect(toMinorUnits("19.99", "USD")).toBe(1999);
    expect(toMinorUnits("12", "EUR")).toBe(1200);
    expect(toMinorUnits("500", "JPY")).toBe(500);
    expect(toMinorUnits("5.5", "JPY")).toBeUndefined();
    expect(toMinorUnits("12.345", "EUR")).toBeUndefined();
    expect(toMinorUnits("-1", "EUR")).toBeUndefined();
    expect(toMinorUnits("", "EUR")).toBeUndefined();
  });

  it("formats minor units as the currency's price and back as editable text", () => {
    expect(formatPrice(1250, "EUR", "en-GB")).toBe("€12.50");
    expect(formatPrice(500, "JPY", "en-US")).toBe("¥500");
    expect(toMajorText(1250, "EUR")).toBe("12.50");
    expect(toMajorText(500, "JPY")).toBe("500");
    expect(fractionDigits("BHD")).toBe(3);
    expect(fractionDigits("nope")).toBe(2);
  });
});

describe("routeOf", () => {
  it("maps paths under /app/ to pages and everything else to not found", () => {
    expect(routeOf("/app/", "/app/")).toBe("home");
    expect(routeOf("/app", "/app/")).toBe("home");
    expect(routeOf("/app/orders", "/app/")).toBe("orders");
    expect(routeOf("/app/orders/", "/app/")).toBe("orders");
    expect(routeOf("/app/callback", "/app/")).toBe("callback");
    expect(routeOf("/app/nope", "/app/")).toBe("not-found");
    expect(routeOf("/other", "/app/")).toBe("not-found");
  });
});
