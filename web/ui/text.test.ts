import { describe, expect, it } from "vitest";
import { fold, normalisePhone, vnd } from "./text";
import { EventParser } from "./sse";

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

describe("EventParser", () => {
  it("joins chunks split anywhere and keeps the last id", () => {
    const parser = new EventParser();
    expect(parser.feed("event: notifi")).toEqual([]);
    expect(parser.feed('cation\nid: 7\ndata: {"a":')).toEqual([]);
    const events = parser.feed('1}\n\n: keep-alive\n\ndata: x\ndata: y\n\n');
    expect(events).toEqual([
      { event: "notification", data: '{"a":1}', id: "7" },
      { event: "message", data: "x\ny", id: "7" },
    ]);
    expect(parser.lastId).toBe("7");
  });
});
