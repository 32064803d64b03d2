import { afterEach, describe, expect, it } from "vitest";
import { lang } from "@ui/i18n";
import { statusLabel, timeLeftLabel } from "./status";

afterEach(() => {
  lang.value = "vi";
});

describe("statusLabel", () => {
  const received = { status: "received", national_status: 2, national_status_label: "Được tiếp nhận" };
  it("keeps the API's Vietnamese label in Vietnamese", () => {
    expect(statusLabel(received)).toBe("Được tiếp nhận");
    expect(statusLabel({ status: "draft", national_status: null, national_status_label: null })).toBe("Bản nháp");
  });
  it("translates from the national status code in English, whatever the Vietnamese label says", () => {
    lang.value = "en";
    expect(statusLabel(received)).toBe("Received");
    expect(statusLabel({ ...received, national_status: 5, national_status_label: "anything" })).toBe("More documents requested");
    expect(statusLabel({ status: "returned", national_status: 10 })).toBe("Result returned");
  });
  it("uses the platform state when there is no national status yet, and the API's words for an unknown code", () => {
    lang.value = "en";
    expect(statusLabel({ status: "draft", national_status: null, national_status_label: null })).toBe("Draft");
    expect(statusLabel({ status: "x", national_status: 42, national_status_label: "Mới" })).toBe("Mới");
  });
});

describe("timeLeftLabel", () => {
  it("keeps the API's label in Vietnamese", () => {
    expect(timeLeftLabel({ days: 3, hours: 2, overdue: false, label: "còn 3 ngày 2 giờ" })).toBe("còn 3 ngày 2 giờ");
  });
  it("builds English from the days, hours and overdue flag", () => {
    lang.value = "en";
    expect(timeLeftLabel({ days: 3, hours: 2, overdue: false, label: "còn 3 ngày 2 giờ" })).toBe("3 working days 2 hours left");
    expect(timeLeftLabel({ days: 0, hours: 5, overdue: true, label: "quá 0 ngày 5 giờ" })).toBe("0 working days 5 hours overdue");
  });
});
