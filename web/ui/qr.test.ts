import { describe, expect, it } from "vitest";
import { parseLookupQr } from "./qr";

describe("parseLookupQr", () => {
  it("reads the API's lookup link (papers printed before they linked to the app)", () => {
    expect(parseLookupQr("http://127.0.0.1:8000/api/v1/lookup/000.00.00.H57-261206-0001?proof=abc123")).toEqual({
      code: "000.00.00.H57-261206-0001",
      proof: "abc123",
    });
  });
  it("reads the app's look-up link the papers print", () => {
    expect(parseLookupQr("https://dichvucong.hue.gov.vn/tra-cuu?code=X-1&proof=9876")).toEqual({ code: "X-1", proof: "9876" });
  });
  it("refuses anything else", () => {
    expect(parseLookupQr("hello")).toBeNull();
    expect(parseLookupQr("https://example.org/api/v1/lookup/X-1")).toBeNull();
  });
});
