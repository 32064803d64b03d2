import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Schemas } from "@ui/api";
import { lang } from "@ui/i18n";
import { Badge, Button, Card, Loading, Notice, Page, SelectField, TextField } from "@ui/kit";
import { vnd } from "@ui/text";
import { t } from "../strings";

const RECENT = "motcua.recent";
type Found = Schemas["SearchPage"];

function recentSearches(): string[] {
  try {
    return JSON.parse(localStorage.getItem(RECENT) ?? "[]") as string[];
  } catch {
    return [];
  }
}

function remember(query: string): void {
  const kept = [query, ...recentSearches().filter((q) => q !== query)].slice(0, 5);
  localStorage.setItem(RECENT, JSON.stringify(kept));
}

export function ProcedureCard({ p }: { p: Schemas["ProcedureSummary"] }) {
  const days = p.min_days === p.max_days ? `${p.min_days}` : `${p.min_days}–${p.max_days}`;
  return (
    <Card href={`/thu-tuc/${encodeURIComponent(p.code)}`}>
      <h2>{p.name}</h2>
      <p>
        {p.field.name} · {p.implementing_agency.name}
      </p>
      <p>
        {t("days", { n: days })} · {p.min_fee > 0 ? t("fromFee", { fee: vnd(p.min_fee, lang.value) }) : t("free")}{" "}
        {p.online_mode && <Badge tone="good">{p.online_mode === "full" ? t("onlineFull") : t("onlinePartial")}</Badge>}
      </p>
    </Card>
  );
}

export function Home() {
  const initial = new URLSearchParams(location.search);
  const [query, setQuery] = useState(initial.get("q") ?? "");
  const [field, setField] = useState(initial.get("field") ?? "");
  const [level, setLevel] = useState(initial.get("level") ?? "");
  const [found, setFound] = useState<Found | null>(null);
  // The query the results on screen answer (it lags the field while a search is under way).
  const [answered, setAnswered] = useState("");
  const [fields, setFields] = useState<Schemas["FieldOut"][]>([]);
  const [failed, setFailed] = useState(false);
  const [busy, setBusy] = useState(false);
  const [more, setMore] = useState(false);
  const latest = useRef(0);

  // The next page follows the answer's cursor, as every list of the platform does; a new query drops it.
  async function showMore(): Promise<void> {
    if (!found?.next_cursor) return;
    const ticket = latest.current;
    setMore(true);
    try {
      const { data } = await api.GET("/api/v1/procedures", {
        params: {
          query: { q: answered || undefined, field: field || undefined, level: level || undefined, size: 20, cursor: found.next_cursor },
        },
      });
      if (ticket !== latest.current) return;
      setFailed(!data);
      if (data) setFound({ ...data, items: [...found.items, ...data.items] });
    } catch {
      if (ticket === latest.current) setFailed(true);
    } finally {
      setMore(false);
    }
  }

  useEffect(() => {
    void api.GET("/api/v1/fields").then(({ data }) => data && setFields(data.items));
  }, []);

  useEffect(() => {
    const ticket = ++latest.current;
    // A short pause groups a burst of keys; results must show within 100 ms of the last one (WEB.md),
    // and an answer overtaken by a newer query is dropped by its ticket.
    const timer = setTimeout(async () => {
      setBusy(true);
      const params = new URLSearchParams();
      if (query.trim()) params.set("q", query.trim());
      if (field) params.set("field", field);
      if (level) params.set("level", level);
      history.replaceState(history.state, "", params.size ? `/?${params}` : "/");
      try {
        const { data } = await api.GET("/api/v1/procedures", {
          params: { query: { q: query.trim() || undefined, field: field || undefined, level: level || undefined, size: 20 } },
        });
        if (ticket !== latest.current) return;
        setFailed(!data);
        if (data) {
          setFound(data);
          setAnswered(query.trim());
        }
        if (data && query.trim().length > 2 && data.total > 0) remember(query.trim());
      } catch {
        if (ticket === latest.current) setFailed(true);
      } finally {
        if (ticket === latest.current) setBusy(false);
      }
    }, 40);
    return () => clearTimeout(timer);
  }, [query, field, level]);

  const popular = [...fields].sort((a, b) => b.procedure_count - a.procedure_count).slice(0, 6);
  const recent = recentSearches();
  return (
    <Page title={t("homeTitle")}>
      <form role="search" onSubmit={(e) => e.preventDefault()}>
        <TextField
          label={t("searchLabel")}
          hint={t("searchHint")}
          type="search"
          name="q"
          autoComplete="off"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
        <div class="filters">
          <SelectField
            label={t("fieldFilter")}
            value={field}
            onChange={(e) => setField(e.currentTarget.value)}
            options={[{ value: "", label: t("allFields") }, ...fields.map((f) => ({ value: f.code, label: f.name }))]}
          />
          <SelectField
            label={t("levelFilter")}
            value={level}
            onChange={(e) => setLevel(e.currentTarget.value)}
            options={[
              { value: "", label: t("allLevels") },
              { value: "province", label: t("province") },
              { value: "commune", label: t("commune") },
            ]}
          />
        </div>
      </form>
      {!query && recent.length > 0 && (
        <>
          <h2>{t("recent")}</h2>
          <ul class="chips">
            {recent.map((q) => (
              <li key={q}>
                <button type="button" class="chip" onClick={() => setQuery(q)}>
                  {q}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {!query && !field && popular.length > 0 && (
        <>
          <h2>{t("popular")}</h2>
          <ul class="chips">
            {popular.map((f) => (
              <li key={f.code}>
                <button type="button" class="chip" aria-pressed={field === f.code} onClick={() => setField(f.code)}>
                  {f.name}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {failed && <Notice kind="error">{t("failed")}</Notice>}
      {busy && !found && <Loading label={t("loading")} />}
      {found && (
        <section aria-labelledby="results-title" aria-busy={busy}>
          <h2 id="results-title" aria-live="polite">
            {t("results", { n: found.total })}
          </h2>
          {found.match === "fuzzy" && found.did_you_mean && <p data-testid="understood">{t("understood", { q: found.did_you_mean })}</p>}
          {found.items.length === 0 && <p>{t("noResults")}</p>}
          {found.match === "none" && found.did_you_mean && (
            <p data-testid="did-you-mean">
              {t("didYouMean")}{" "}
              <button type="button" class="chip" onClick={() => setQuery(found.did_you_mean ?? "")}>
                {found.did_you_mean}
              </button>
              ?
            </p>
          )}
          <ul class="plain" data-testid="results" data-query={answered}>
            {found.items.map((p) => (
              <li key={p.code}>
                <ProcedureCard p={p} />
              </li>
            ))}
          </ul>
          {found.next_cursor && (
            <Button kind="secondary" busy={more} onClick={() => void showMore()}>
              {t("more")}
            </Button>
          )}
        </section>
      )}
    </Page>
  );
}
