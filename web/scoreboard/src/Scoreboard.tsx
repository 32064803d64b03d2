// The public scoreboard: the city's figures for a period, by agency and by month, as summary, charts, tables
// and a CSV file. No sign-in; one call to /api/v1/stats, whose numbers are shown as they come.
import type { JSX } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "@ui/api";
import { lang } from "@ui/i18n";
import { Button, Loading, Notice, Page, SelectField, TextField } from "@ui/kit";
import { CITY, COLUMNS, agencyRows, csvRows, monthBounds, monthRows, toCsv, type Column, type Cut, type Row, type Stats } from "./figures";
import { t, type Word } from "./strings";

const thisMonth = (): string => new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Ho_Chi_Minh" }).slice(0, 7);

interface Choice {
  first: string;
  last: string;
  agency: string;
}

function chosen(): Choice {
  const q = new URLSearchParams(location.search);
  const last = q.get("den") ?? thisMonth();
  return { first: q.get("tu") ?? `${last.slice(0, 4)}-01`, last, agency: q.get("co-quan") ?? CITY };
}

function remember(choice: Choice): void {
  const q = new URLSearchParams({ tu: choice.first, den: choice.last });
  if (choice.agency) q.set("co-quan", choice.agency);
  history.replaceState(null, "", `${location.pathname}?${q}`);
}

/** ``2026-07`` as the reader writes a month. */
export function monthLabel(month: string): string {
  const [y, m] = month.split("-");
  return lang.value === "vi" ? `${m}/${y}` : `${m}/${y}`;
}

function formatted(column: Column, cut: Cut): string {
  const value = column.value(cut);
  if (value === null || value === undefined) return "—";
  const locale = lang.value === "vi" ? "vi-VN" : "en-GB";
  return column.rate
    ? new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 }).format(value)
    : new Intl.NumberFormat(locale).format(value);
}

function Cell({ column, cut }: { column: Column; cut: Cut }) {
  const text = formatted(column, cut);
  return (
    <td data-col={column.key} data-value={column.value(cut) ?? ""}>
      {text === "—" ? <span aria-label={t("none")}>—</span> : text}
    </td>
  );
}

function FiguresTable({ id, caption, rows, first }: { id: string; caption: string; rows: Row[]; first: "agency" | "month" }) {
  return (
    <div class="table-wrap" role="region" aria-labelledby={`${id}-caption`} tabIndex={0}>
      <table class="figures" id={id}>
        <caption id={`${id}-caption`} class="visually-hidden">
          {caption}
        </caption>
        <thead>
          <tr>
            <th scope="col">{first === "agency" ? t("agencyCol") : t("monthCol")}</th>
            {COLUMNS.map((c) => (
              <th scope="col" key={c.key}>
                {t(c.key as Word)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.agencyCode}|${r.month}`} data-agency={r.agencyCode} data-month={r.month}>
              <th scope="row">{first === "agency" ? r.agencyName : monthLabel(r.month)}</th>
              {COLUMNS.map((c) => (
                <Cell column={c} cut={r.cut} key={c.key} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const SUMMARY: Word[] = ["received", "finished", "timelyRate", "lateRate", "overdue", "onlineShare", "paidOnlineShare", "satisfactionRate"];

function Summary({ name, cut }: { name: string; cut: Cut }) {
  return (
    <section aria-labelledby="summary-title">
      <h2 id="summary-title">{t("summary", { name })}</h2>
      <dl class="tiles">
        {SUMMARY.map((key) => {
          const column = COLUMNS.find((c) => c.key === key)!;
          return (
            <div class="tile" key={key} data-col={key}>
              <dt>{t(key)}</dt>
              <dd>{formatted(column, cut)}</dd>
            </div>
          );
        })}
      </dl>
    </section>
  );
}

function Charts({ rows, table }: { rows: Row[]; table: string }) {
  const counts = useRef<HTMLDivElement>(null);
  const rates = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let undo = (): void => undefined;
    let live = true;
    // The charting library is its own chunk, fetched only once there are figures to draw.
    import("./charts")
      .then(({ drawCounts, drawRates }) => {
        if (!live || !counts.current || !rates.current) return;
        const labels = rows.map((r) => monthLabel(r.month));
        const a = drawCounts(counts.current, labels, rows, [t("received"), t("finished")]);
        const b = drawRates(rates.current, labels, rows, [t("timelyRate"), t("onlineShare"), t("paidOnlineShare"), t("satisfactionRate")]);
        undo = () => {
          a.destroy();
          b.destroy();
        };
      })
      .catch(() => setFailed(true));
    return () => {
      live = false;
      undo();
    };
  }, [rows]);
  const note = t("chartNote", { table });
  return (
    <section aria-labelledby="charts-title">
      <h2 id="charts-title">{t("charts")}</h2>
      {failed && <Notice kind="error">{t("chartFailed")}</Notice>}
      <div class="charts">
        <figure>
          <figcaption>{t("chartCounts")}</figcaption>
          <div ref={counts} class="chart" role="img" aria-label={`${t("chartCounts")}. ${note}`} />
        </figure>
        <figure>
          <figcaption>{t("chartRates")}</figcaption>
          <div ref={rates} class="chart" role="img" aria-label={`${t("chartRates")}. ${note}`} />
        </figure>
      </div>
      <p class="hint">{note}</p>
    </section>
  );
}

function Download({ stats }: { stats: Stats }) {
  const href = useMemo(() => {
    const columns = Object.fromEntries(COLUMNS.map((c) => [c.key, t(c.key as Word)]));
    const csv = toCsv(csvRows(stats, t("city")), {
      agencyCode: t("agencyCodeCol"),
      agencyName: t("agencyCol"),
      month: t("monthCol"),
      period: t("wholePeriod"),
      columns,
    });
    return URL.createObjectURL(new Blob([csv], { type: "text/csv;charset=utf-8" }));
  }, [stats, lang.value]);
  useEffect(() => () => URL.revokeObjectURL(href), [href]);
  return (
    <div class="download">
      <a class="button secondary" href={href} download={`chi-so-hue-${stats.from}-${stats.to}.csv`} aria-describedby="download-hint">
        {t("download")}
      </a>
      <p class="hint" id="download-hint">
        {t("downloadHint")}
      </p>
    </div>
  );
}

export function Scoreboard() {
  const [choice, setChoice] = useState<Choice>(chosen);
  const [draft, setDraft] = useState<Choice>(choice);
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setError(null);
    const { from, to } = monthBounds(choice.first, choice.last);
    api
      .GET("/api/v1/stats", { params: { query: { from, to } } })
      .then(({ data }) => {
        if (!live) return;
        if (data) setStats(data);
        else setError(t("failed"));
      })
      .catch(() => live && setError(t("failed")));
    return () => {
      live = false;
    };
  }, [choice.first, choice.last]);

  useEffect(() => document.getElementById("page-title")?.focus(), []);

  const submit = (event: JSX.TargetedEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (draft.first > draft.last) {
      setError(t("badPeriod"));
      return;
    }
    remember(draft);
    setChoice(draft);
  };

  const agencies = stats?.by_agency ?? [];
  const picked = agencies.find((a) => a.agency_code === choice.agency);
  const name = picked ? picked.agency_name : t("city");
  const months = stats ? monthRows(stats, picked ? picked.agency_code : CITY, t("city")) : [];
  const monthTable = t("byMonth", { name });

  return (
    <Page title={t("title")}>
      <p class="lead">{t("lead")}</p>
      <form class="filters" onSubmit={submit} aria-labelledby="filters-title">
        <h2 id="filters-title" class="visually-hidden">
          {t("filters")}
        </h2>
        <TextField label={t("from")} type="month" name="tu" required value={draft.first} max={draft.last}
          onInput={(e) => setDraft({ ...draft, first: e.currentTarget.value })} />
        <TextField label={t("to")} type="month" name="den" required value={draft.last} min={draft.first}
          onInput={(e) => setDraft({ ...draft, last: e.currentTarget.value })} />
        <SelectField label={t("agency")} name="co-quan" value={draft.agency}
          options={[{ value: CITY, label: t("city") }, ...agencies.map((a) => ({ value: a.agency_code, label: a.agency_name }))]}
          onChange={(e) => setDraft({ ...draft, agency: e.currentTarget.value })} />
        <Button type="submit">{t("show")}</Button>
      </form>
      {error && <Notice kind="error">{error}</Notice>}
      {!stats && !error && <Loading label={t("loading")} />}
      {stats && (
        <div aria-live="polite">
          <p class="period">{t("period", { from: monthLabel(choice.first), to: monthLabel(choice.last) })}</p>
          {stats.received === 0 && stats.finished === 0 && <Notice>{t("noData")}</Notice>}
          <Summary name={name} cut={picked ?? stats} />
          {months.length > 0 && <Charts rows={months} table={monthTable} />}
          <h2>{t("byAgency")}</h2>
          <FiguresTable id="by-agency" caption={t("byAgency")} rows={agencyRows(stats, t("city"))} first="agency" />
          <h2>{monthTable}</h2>
          <FiguresTable id="by-month" caption={monthTable} rows={months} first="month" />
          <p class="hint">{t("tableHint")}</p>
          <Download stats={stats} />
          <p class="hint">{t("sources")}</p>
        </div>
      )}
    </Page>
  );
}
