import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import type { paths } from "@api/schema";
import { api, session, type Schemas } from "@ui/api";
import { lang } from "@ui/i18n";
import { Badge, Button, Loading, Notice, Page, SelectField } from "@ui/kit";
import { statusLabel, timeLeftLabel } from "@ui/status";
import { when } from "@ui/text";
import { agencyName } from "../agency";
import { changed } from "../live";
import { deskPath } from "../screens";
import { known, t, type Word } from "../strings";

type Summary = Schemas["DossierSummary"];
type Query = NonNullable<paths["/api/v1/dossiers"]["get"]["parameters"]["query"]>;
type Filters = { status: string; procedure: string; channel: string; due: string };

const STATES = ["submitted", "received", "in_progress", "supplement_requested", "result_ready", "returned", "rejected", "withdrawn"];
const CHANNELS = ["online", "counter", "postal"];

/** The time left as the officer reads it: "còn X ngày Y giờ làm việc", from the platform's working-day clock. */
export function TimeLeft({ d }: { d: Pick<Summary, "time_left"> }) {
  if (!d.time_left) return <span>—</span>;
  const left = d.time_left;
  const soon = !left.overdue && left.days === 0;
  return (
    <Badge tone={left.overdue ? "bad" : soon ? "warn" : "neutral"}>{t("workingTime", { left: timeLeftLabel(left) })}</Badge>
  );
}

export function channelLabel(channel: string): string {
  const key = `channel_${channel}`;
  return known(key) ? t(key) : channel;
}

/** Filters from the address (so a filtered queue can be bookmarked and survives a reload). */
function filtersFrom(search: string): Filters {
  const query = new URLSearchParams(search);
  return {
    status: query.get("status") ?? "",
    procedure: query.get("procedure") ?? "",
    channel: query.get("channel") ?? "",
    due: query.get("due") ?? "",
  };
}

export function Queue() {
  const { route, path } = useLocation();
  const [filters, setFilters] = useState<Filters>(() => filtersFrom(location.search));
  const [items, setItems] = useState<Summary[] | null>(null);
  const [total, setTotal] = useState(0);
  const [next, setNext] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const [procedures, setProcedures] = useState<Map<string, string>>(new Map());
  const table = useRef<HTMLTableSectionElement>(null);
  const latestLoad = useRef(0);
  const me = session.value?.me;

  const load = async (cursor: string | null = null) => {
    // Filters change faster than the answers come: only the newest request's answer is shown.
    const ticket = ++latestLoad.current;
    const query: Query = { limit: 50 };
    if (filters.status) query.status = filters.status as Query["status"];
    if (filters.procedure) query.procedure = filters.procedure;
    if (filters.channel) query.channel = filters.channel as Query["channel"];
    if (filters.due) query.due = filters.due as Query["due"];
    if (cursor) query.cursor = cursor;
    const { data } = await api.GET("/api/v1/dossiers", { params: { query } }).catch(() => ({ data: undefined }));
    if (ticket !== latestLoad.current) return;
    if (!data) return setFailed(true);
    setFailed(false);
    setItems((before) => (cursor && before ? [...before, ...data.items] : data.items));
    setTotal(data.total);
    setNext(data.next_cursor ?? null);
    setProcedures((known) => {
      const more = new Map(known);
      for (const d of data.items) more.set(d.procedure_code, d.procedure_name);
      return more;
    });
  };

  // Reload on a filter change and on every notification the stream brings (a dossier arrived or moved).
  useEffect(() => {
    void load();
  }, [filters, changed.value]);

  const choose = (name: keyof Filters, value: string) => {
    const chosen = { ...filters, [name]: value };
    setFilters(chosen);
    const query = new URLSearchParams(Object.entries(chosen).filter(([, v]) => v));
    route(`${path}${query.size ? `?${query}` : ""}`, true);
  };

  // j/k or the arrows move between rows, Enter opens the focused one (its link takes Enter itself).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (target.closest("input, select, textarea") || event.altKey || event.ctrlKey || event.metaKey) return;
      const step = event.key === "j" || event.key === "ArrowDown" ? 1 : event.key === "k" || event.key === "ArrowUp" ? -1 : 0;
      if (!step || !table.current) return;
      const links = [...table.current.querySelectorAll<HTMLAnchorElement>("a[data-row]")];
      if (!links.length) return;
      event.preventDefault();
      const at = links.indexOf(document.activeElement as HTMLAnchorElement);
      const to = at < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, at + step));
      links[to]!.focus();
      links[to]!.closest("tr")?.scrollIntoView({ block: "nearest" });
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const option = (value: string, label: string) => ({ value, label });
  return (
    <Page title={t("queueTitle")}>
      <p>{me?.agency_code ? t("queueOf", { agency: agencyName.value ?? me.agency_code }) : t("queueAll")}</p>
      <form class="filters" aria-label={t("filters")} onSubmit={(e) => e.preventDefault()}>
        <SelectField
          label={t("status")}
          value={filters.status}
          onChange={(e) => choose("status", e.currentTarget.value)}
          options={[option("", t("any")), ...STATES.map((s) => option(s, t(`state_${s}` as Word)))]}
        />
        <SelectField
          label={t("filterProcedure")}
          value={filters.procedure}
          onChange={(e) => choose("procedure", e.currentTarget.value)}
          options={[option("", t("any")), ...[...procedures].map(([code, name]) => option(code, name))]}
        />
        <SelectField
          label={t("filterChannel")}
          value={filters.channel}
          onChange={(e) => choose("channel", e.currentTarget.value)}
          options={[option("", t("any")), ...CHANNELS.map((c) => option(c, channelLabel(c)))]}
        />
        <SelectField
          label={t("filterDue")}
          value={filters.due}
          onChange={(e) => choose("due", e.currentTarget.value)}
          options={[option("", t("any")), option("soon", t("dueSoon")), option("overdue", t("dueOverdue"))]}
        />
      </form>
      <p class="hint">{t("queueKeys")}</p>
      {failed && <Notice kind="error">{t("failed")}</Notice>}
      {!items && !failed && <Loading label={t("loading")} />}
      {items && (
        <>
          <p role="status" data-testid="queue-count">
            {t("count", { n: total })}
          </p>
          {items.length === 0 ? (
            <p>{t("empty")}</p>
          ) : (
            <div class="table-wrap">
              <table class="queue">
                <caption class="visually-hidden">{t("queueTitle")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("colCode")}</th>
                    <th scope="col">{t("colProcedure")}</th>
                    <th scope="col">{t("colApplicant")}</th>
                    <th scope="col">{t("colChannel")}</th>
                    <th scope="col">{t("status")}</th>
                    <th scope="col">{t("colDue")}</th>
                    <th scope="col">{t("colLeft")}</th>
                  </tr>
                </thead>
                <tbody ref={table}>
                  {items.map((d) => (
                    <tr key={d.code} data-code={d.code}>
                      <th scope="row">
                        <a data-row href={deskPath(`ho-so/${encodeURIComponent(d.code)}`)}>
                          {d.code}
                        </a>
                      </th>
                      <td>{d.procedure_name}</td>
                      <td>{d.applicant_name ?? "—"}</td>
                      <td>{channelLabel(d.channel)}</td>
                      <td>{statusLabel(d)}</td>
                      <td>{when(d.due_at, lang.value, true)}</td>
                      <td data-testid={`left-${d.code}`}>
                        <TimeLeft d={d} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {next && (
            <Button kind="secondary" onClick={() => void load(next)}>
              {t("more")}
            </Button>
          )}
        </>
      )}
    </Page>
  );
}
