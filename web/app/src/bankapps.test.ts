import { describe, expect, it } from "vitest";
import { BANK_APPS, bankAppLinks } from "./bankapps";

const transfer = {
  bank_bin: "970415",
  account_number: "113000118888",
  account_name: "KHO BAC NHA NUOC THUA THIEN HUE",
  amount: 200000,
  reference: "MC 000.00.00.H57-261206-0001",
};

describe("bankAppLinks", () => {
  it("builds vietqr.io's link for each app, keeping '@' in ba and the return URL as it is", () => {
    const links = bankAppLinks(transfer, "https://dichvucong.hue.gov.vn/thanh-toan/X-1");
    expect(links.map((l) => l.name)).toEqual(BANK_APPS.map((a) => a.name));
    expect(links[0]).toEqual({
      name: "VietinBank iPay",
      href:
        "https://dl.vietqr.io/pay?app=icb&am=200000&tn=MC%20000.00.00.H57-261206-0001&ba=113000118888@icb" +
        "&bn=KHO%20BAC%20NHA%20NUOC%20THUA%20THIEN%20HUE&url=https://dichvucong.hue.gov.vn/thanh-toan/X-1",
    });
    expect(links[2]?.href).toMatch(/^https:\/\/dl\.vietqr\.io\/pay\?app=mb&am=200000&/);
  });
  it("encodes what would break the query", () => {
    const [link] = bankAppLinks({ ...transfer, reference: "A&B=C" }, "https://x.vn/");
    expect(new URL(link?.href ?? "").searchParams.get("tn")).toBe("A&B=C");
  });
  it("offers no link for a bank whose code it does not know", () => {
    expect(bankAppLinks({ ...transfer, bank_bin: "999999" }, "https://x.vn/")).toEqual([]);
  });
});
