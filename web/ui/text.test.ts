import { describe, expect, it } from "vitest";
import { base64urlBytes, fold, normalisePhone, vnd } from "./text";

describe("fold", () => {
  it("drops every diacritic and đ", () => {
    expect(fold("Phiếu Lý lịch Tư pháp")).toBe("phieu ly lich tu phap");
    expect(fold("Đăng ký khai sinh")).toBe("dang ky khai sinh");
  });
});

describe("normalisePhone", () => {
  it("accepts the ways a mobile number is typed", () => {
    expect(normalisePhone("0905 123 456")).toBe("0905123456");
    expect(normalisePhone("+84905123456")).toBe("0905123456");
    expect(normalisePhone("84905123456")).toBe("0905123456");
  });
  it("refuses what is not one", () => {
    expect(normalisePhone("12345")).toBeNull();
    expect(normalisePhone("09051234567")).toBeNull();
  });
});

describe("vnd", () => {
  it("formats đồng without decimals", () => {
    expect(vnd(200000).replace(/\s/g, " ")).toMatch(/^200\.000 ₫$/);
  });
});

describe("base64urlBytes", () => {
  it("decodes base64url without padding", () => {
    expect([...base64urlBytes("AQID_-8")]).toEqual([1, 2, 3, 255, 239]);
    expect(base64urlBytes("B" + "A".repeat(86)).length).toBe(65);
  });
});
