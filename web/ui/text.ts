// Text helpers shared by the clients: accent folding (as the catalogue searches), money and dates in vi-VN.

/** Lowercase without diacritics (đ → d): what a citizen types on a keyboard without Vietnamese input. */
export function fold(text: string): string {
  return text
    .replace(/đ/g, "d")
    .replace(/Đ/g, "D")
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .trim();
}

/** An amount in đồng, as Vietnamese write it: 200.000 ₫. */
export function vnd(amount: number, lang: "vi" | "en" = "vi"): string {
  return new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en-GB", { style: "currency", currency: "VND" }).format(amount);
}

/** A date (and time when asked) in the reader's language, in Vietnam's time zone. */
export function when(iso: string | null | undefined, lang: "vi" | "en" = "vi", withTime = false): string {
  if (!iso) return "—";
  const options: Intl.DateTimeFormatOptions = { timeZone: "Asia/Ho_Chi_Minh", day: "2-digit", month: "2-digit", year: "numeric" };
  if (withTime) Object.assign(options, { hour: "2-digit", minute: "2-digit" });
  return new Intl.DateTimeFormat(lang === "vi" ? "vi-VN" : "en-GB", options).format(new Date(iso));
}

/** A phone as typed (0905…, +84905…, with spaces) in the form the API takes, or null when it is not one. */
export function normalisePhone(typed: string): string | null {
  const digits = typed.replace(/[\s.-]/g, "");
  if (/^\+84\d{9}$/.test(digits)) return "0" + digits.slice(3);
  if (/^84\d{9}$/.test(digits)) return "0" + digits.slice(2);
  if (/^0\d{9}$/.test(digits)) return digits;
  return null;
}

/** Bytes from base64url without padding (a VAPID public key, as the API gives it). */
export function base64urlBytes(text: string): Uint8Array {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** A fresh key for a request that must happen once (Idempotency-Key). */
export function onceKey(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`;
}
