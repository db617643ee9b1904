/** Formatting of money and time for people, and reading prices they type. */

/** How many minor units a currency's major unit has, as Intl knows it (EUR 2, JPY 0, BHD 3). */
export function fractionDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ??
      2
    );
  } catch {
    return 2;
  }
}

/**
 * An amount in minor units (the API's integer cents) as a price.
 *
 * @example
 * formatPrice(1250, "EUR", "en-GB") // "€12.50"
 */
export function formatPrice(minor: number, currency: string, locale?: string): string {
  const digits = fractionDigits(currency);
  const major = minor / 10 ** digits;
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency }).format(major);
  } catch {
    return `${major.toFixed(digits)} ${currency}`;
  }
}

/**
 * A price typed in major units ("12.5", "12.50", "12") in minor units for the API; undefined when it is not a
 * non-negative amount with at most the currency's decimals. Done on the digits, never with floating point.
 *
 * @example
 * toMinorUnits("12.5", "EUR") // 1250
 * toMinorUnits("12.345", "EUR") // undefined
 */
export function toMinorUnits(text: string, currency: string): number | undefined {
  const digits = fractionDigits(currency);
  const match = /^(\d{1,12})(?:[.,](\d*))?$/.exec(text.trim());
  if (!match) return undefined;
  const fraction = match[2] ?? "";
  if (fraction.length > digits) return undefined;
  return Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
}

/** A minor-unit amount as the major-unit text `toMinorUnits` reads back (for an edit form). */
export function toMajorText(minor: number, currency: string): string {
  const digits = fractionDigits(currency);
  return digits === 0 ? String(minor) : (minor / 10 ** digits).toFixed(digits);
}

/** Seconds since 1970 (an epoch record) as a local date and time with seconds. */
export function formatEpoch(seconds: number, locale?: string): string {
  return new Date(seconds * 1000).toLocaleString(locale, {
    dateStyle: "medium",
    timeStyle: "medium",
  });
}

/** An ISO timestamp as a local date and time. */
export function formatIso(iso: string, locale?: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
}
