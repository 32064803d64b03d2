import { describe, expect, it } from "vitest";
import { COLUMNS, agencyRows, csvRows, monthBounds, monthRows, toCsv, type Stats } from "./figures";

const timeliness = { early: 1, on_time: 1, late: 0, early_rate: 0.5, on_time_rate: 0.5, late_rate: 0 };
const satisfaction = { satisfied: 1, acceptable: 0, unsatisfied: 0, total: 1, satisfied_share: 1, acceptable_share: 0, unsatisfied_share: 0 };
const figures = {
  received: 3,
  finished: 2,
  timeliness,
  overdue_in_progress: 1,
  timely_rate: 0.6667,
  average_processing_days: 1.5,
  channels: { online: 2, counter: 1, postal: 0, online_share: 0.6667, full_online: 2, full_online_share: 0.6667 },
  payments: { with_fees: 0, paid_online: 0, online_share: null },
  digitisation: { digitised: 3, share: 1 },
  satisfaction,
  satisfaction_rate: 1,
};
const month = { ...figures, month: "2026-12" };
const stats: Stats = {
  ...figures,
  from: "2026-01-01",
  to: "2026-12-31",
  agency: null,
  procedure: null,
  rejected: 0,
  withdrawn: 0,
  late_by_step: [],
  by_month: [month],
  by_agency: [{ ...figures, agency_code: "hue.so-tu-phap", agency_name: "Sở Tư pháp, \"Huế\"", rejected: 0, withdrawn: 0, by_month: [month] }],
  targets: { late_rate_max: 0.03, satisfied_share_min: 0.8 },
};

describe("the scoreboard's rows and CSV", () => {
  it("lists the city then each agency, and each one's months", () => {
    expect(agencyRows(stats, "Huế").map((r) => r.agencyCode)).toEqual(["", "hue.so-tu-phap"]);
    expect(monthRows(stats, "hue.so-tu-phap", "Huế").map((r) => [r.agencyName, r.month])).toEqual([["Sở Tư pháp, \"Huế\"", "2026-12"]]);
    expect(csvRows(stats, "Huế").map((r) => `${r.agencyCode}|${r.month}`)).toEqual(["|", "|2026-12", "hue.so-tu-phap|", "hue.so-tu-phap|2026-12"]);
  });

  it("writes the API's numbers as they are, quoting what needs it, empty where a rate has no whole", () => {
    const columns = Object.fromEntries(COLUMNS.map((c) => [c.key, c.key]));
    const csv = toCsv(csvRows(stats, "Huế"), { agencyCode: "code", agencyName: "name", month: "month", period: "all", columns });
    const lines = csv.replace("\ufeff", "").trimEnd().split("\r\n");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(["code", "name", "month", ...COLUMNS.map((c) => c.key)].join(","));
    expect(lines[1]).toBe(",Huế,all,3,2,1,0.5,1,0.5,0,0,0.6667,1,2,0.6667,0.6667,0,0,,1,1,1");
    expect(lines[3]!.startsWith('hue.so-tu-phap,"Sở Tư pháp, ""Huế""",all,3')).toBe(true);
  });

  it("turns months into the API's dates", () => {
    expect(monthBounds("2026-01", "2026-02")).toEqual({ from: "2026-01-01", to: "2026-02-28" });
    expect(monthBounds("2024-02", "2024-12")).toEqual({ from: "2024-02-01", to: "2024-12-31" });
  });
});
