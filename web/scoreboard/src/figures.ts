// The scoreboard's figures, as the API gives them: the rows of its tables and its CSV, with no arithmetic of
// their own (every count and rate is the API's, so what the public reads equals /api/v1/stats).
import type { Schemas } from "@ui/api";

export type Stats = Schemas["StatsOut"];
export type AgencyStats = Schemas["AgencyStats"];
export type Month = Schemas["Month"];
/** Any cut of the figures: the whole city, a month, an agency, an agency in a month. */
export type Cut = Stats | AgencyStats | Month;

/** One row of a table or of the CSV: who, when, and the cut's figures. */
export interface Row {
  agencyCode: string;
  agencyName: string;
  month: string;
  cut: Cut;
}

/** A column: its header and how its cell reads from a cut (a number, a rate in 0..1, or null). */
export interface Column {
  key: string;
  value: (cut: Cut) => number | null;
  rate: boolean;
}

export const COLUMNS: Column[] = [
  { key: "received", value: (c) => c.received, rate: false },
  { key: "finished", value: (c) => c.finished, rate: false },
  { key: "early", value: (c) => c.timeliness.early, rate: false },
  { key: "earlyRate", value: (c) => c.timeliness.early_rate, rate: true },
  { key: "onTime", value: (c) => c.timeliness.on_time, rate: false },
  { key: "onTimeRate", value: (c) => c.timeliness.on_time_rate, rate: true },
  { key: "late", value: (c) => c.timeliness.late, rate: false },
  { key: "lateRate", value: (c) => c.timeliness.late_rate, rate: true },
  { key: "timelyRate", value: (c) => c.timely_rate, rate: true },
  { key: "overdue", value: (c) => c.overdue_in_progress, rate: false },
  { key: "online", value: (c) => c.channels.online, rate: false },
  { key: "onlineShare", value: (c) => c.channels.online_share, rate: true },
  { key: "fullOnlineShare", value: (c) => c.channels.full_online_share, rate: true },
  { key: "withFees", value: (c) => c.payments.with_fees, rate: false },
  { key: "paidOnline", value: (c) => c.payments.paid_online, rate: false },
  { key: "paidOnlineShare", value: (c) => c.payments.online_share, rate: true },
  { key: "ratings", value: (c) => c.satisfaction.total, rate: false },
  { key: "satisfiedShare", value: (c) => c.satisfaction.satisfied_share, rate: true },
  { key: "satisfactionRate", value: (c) => c.satisfaction_rate, rate: true },
];

/** The whole city's row label (no agency code). */
export const CITY = "";

/** Rows of the period by agency (the whole city first), or month by month for one agency or the city. */
export function agencyRows(stats: Stats, cityName: string): Row[] {
  return [
    { agencyCode: CITY, agencyName: cityName, month: "", cut: stats },
    ...(stats.by_agency ?? []).map((a) => ({ agencyCode: a.agency_code, agencyName: a.agency_name, month: "", cut: a })),
  ];
}

/** The months of the city, or of the agency ``code``. */
export function monthRows(stats: Stats, code: string, cityName: string): Row[] {
  const agency = code === CITY ? null : (stats.by_agency ?? []).find((a) => a.agency_code === code);
  const months = agency ? agency.by_month : stats.by_month;
  const name = agency ? agency.agency_name : cityName;
  return months.map((m) => ({ agencyCode: code, agencyName: name, month: m.month, cut: m }));
}

/** Every row the CSV holds: the city and each agency, for the whole period and then month by month. */
export function csvRows(stats: Stats, cityName: string): Row[] {
  return agencyRows(stats, cityName).flatMap((row) => [row, ...monthRows(stats, row.agencyCode, cityName)]);
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The CSV (RFC 4180, CRLF, a BOM so spreadsheets read it as UTF-8): the API's numbers as they are, rates
 * as fractions of 1 with a dot, an empty cell where a rate has nothing to divide by. */
export function toCsv(rows: Row[], headers: { agencyCode: string; agencyName: string; month: string; period: string; columns: Record<string, string> }): string {
  const head = [headers.agencyCode, headers.agencyName, headers.month, ...COLUMNS.map((c) => headers.columns[c.key] ?? c.key)];
  const lines = rows.map((r) => [
    r.agencyCode,
    r.agencyName,
    r.month || headers.period,
    ...COLUMNS.map((c) => {
      const v = c.value(r.cut);
      return v === null || v === undefined ? "" : String(v);
    }),
  ]);
  return "\ufeff" + [head, ...lines].map((cells) => cells.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

/** ``YYYY-MM`` → its first and last day, as the API's `from` and `to` take them. */
export function monthBounds(first: string, last: string): { from: string; to: string } {
  const [y, m] = last.split("-").map(Number) as [number, number];
  const lastDay = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${first}-01`, to: `${last}-${String(lastDay).padStart(2, "0")}` };
}
