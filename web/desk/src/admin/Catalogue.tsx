// The catalogue as the admin keeps it: every procedure in any state, found by code or name, each opening its
// working copy; a link to the import.
import "./admin.css";
import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import type { paths } from "@api/schema";
import { api, type Schemas } from "@ui/api";
import { lang } from "@ui/i18n";
import { Badge, Button, LinkButton, Page, SelectField, TextField } from "@ui/kit";
import { CountedTable } from "@ui/table";
import { when } from "@ui/text";
import { deskPath } from "../screens";
import { Check, Listing, usePaged } from "./parts";
import { a, type AdminWord } from "./strings";

type Summary = Schemas["WorkingCopySummary"];
type Query = NonNullable<paths["/api/v1/procedures/working-copies"]["get"]["parameters"]["query"]>;
type Filters = { q: string; status: string; changed: boolean };

const STATES = ["draft", "published", "withdrawn"] as const;

export function statusBadge(status: string) {
  const tone = status === "published" ? "good" : status === "withdrawn" ? "bad" : "warn";
  const word = `status_${status}` as AdminWord;
  return <Badge tone={tone}>{STATES.includes(status as (typeof STATES)[number]) ? a(word) : status}</Badge>;
}

function filtersFrom(search: string): Filters {
  const query = new URLSearchParams(search);
  return { q: query.get("q") ?? "", status: query.get("status") ?? "", changed: query.get("changed") === "true" };
}

export function Catalogue() {
  const { route, path } = useLocation();
  const [filters, setFilters] = useState<Filters>(() => filtersFrom(location.search));
  const [typed, setTyped] = useState(filters.q);
  const paged = usePaged<Summary>(async (cursor) => {
    const query: Query = { limit: 50 };
    if (filters.q) query.q = filters.q;
    if (filters.status) query.status = filters.status as Query["status"];
    if (filters.changed) query.changed = true;
    if (cursor) query.cursor = cursor;
    return (await api.GET("/api/v1/procedures/working-copies", { params: { query } })).data;
  });
  const { total } = paged;

  useEffect(() => {
    void paged.load();
  }, [filters]);

  const choose = (chosen: Filters) => {
    setFilters(chosen);
    const query = new URLSearchParams();
    if (chosen.q) query.set("q", chosen.q);
    if (chosen.status) query.set("status", chosen.status);
    if (chosen.changed) query.set("changed", "true");
    route(`${path}${query.size ? `?${query}` : ""}`, true);
  };

  return (
    <Page title={a("catalogueTitle")}>
      <p>{a("catalogueIntro")}</p>
      <div class="actions">
        <LinkButton href={deskPath("quan-tri/nhap-thu-tuc")} kind="secondary">
          {a("importLink")}
        </LinkButton>
      </div>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          choose({ ...filters, q: typed.trim() });
        }}
      >
        <TextField
          label={a("catalogueSearch")}
          hint={a("catalogueSearchHint")}
          type="search"
          name="q"
          value={typed}
          onInput={(e) => setTyped(e.currentTarget.value)}
        />
        <SelectField
          label={a("status")}
          value={filters.status}
          onChange={(e) => choose({ ...filters, status: e.currentTarget.value })}
          options={[{ value: "", label: a("any") }, ...STATES.map((s) => ({ value: s, label: a(`status_${s}`) }))]}
        />
        <Check
          label={a("changedOnly")}
          checked={filters.changed}
          onChange={(e) => choose({ ...filters, changed: e.currentTarget.checked })}
        />
        <div class="actions">
          <Button type="submit">{a("search")}</Button>
        </div>
      </form>
      <Listing paged={paged}>
        {(items) => (
          <CountedTable
            count={a("count", { n: total })}
            empty={a("none")}
            caption={a("catalogueTitle")}
            tableClass="queue"
            columns={[a("colCode"), a("colName"), a("status"), a("colVersion"), a("colChanges"), a("colUpdated")]}
            items={items}
            row={(p) => (
              <tr key={p.code}>
                <td>
                  <a data-row href={deskPath(`quan-tri/thu-tuc/${encodeURIComponent(p.code)}`)}>
                    {p.code}
                  </a>
                </td>
                <td>{p.name}</td>
                <td>{statusBadge(p.status)}</td>
                <td>{p.version || "—"}</td>
                <td>{p.has_unpublished_changes ? <Badge tone="warn">{a("yes")}</Badge> : a("no")}</td>
                <td>{when(p.updated_at, lang.value, true)}</td>
              </tr>
            )}
          />
        )}
      </Listing>
    </Page>
  );
}
