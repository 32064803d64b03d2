import { afterEach, describe, expect, it } from "vitest";
import { coded, lang, translator } from "@ui/i18n";

afterEach(() => {
  lang.value = "vi";
});

describe("coded", () => {
  const words = {
    ...coded("pay_", { pending: ["Chờ thanh toán", "Pending"], "partly-paid": ["Đã nộp {n} đồng", "{n} đồng paid"] }),
  };
  const t = translator(words);
  it("names each code's words with the family's prefix", () => {
    expect(Object.keys(words).sort()).toEqual(["pay_partly-paid", "pay_pending"]);
    expect(words.pay_pending).toEqual({ vi: "Chờ thanh toán", en: "Pending" });
  });
  it("says them in the reader's language, values filled", () => {
    expect(t("pay_partly-paid", { n: 5000 })).toBe("Đã nộp 5000 đồng");
    lang.value = "en";
    expect(t("pay_pending")).toBe("Pending");
  });
});
