// Staff accounts: found by agency, role or name; locked and unlocked; a password reset shown once; a new
// officer bound to an agency in operation (or an admin, bound to none).
import "./admin.css";
import { useEffect, useState } from "preact/hooks";
import type { paths } from "@api/schema";
import { api, session, type Schemas } from "@ui/api";
import { lang } from "@ui/i18n";
import { Badge, Button, Page, SelectField, TextField } from "@ui/kit";
import { CountedTable } from "@ui/table";
import { when } from "@ui/text";
import { Listing, useOutcome, usePaged } from "./parts";
import { a } from "./strings";

type Staff = Schemas["StaffOut"];
type Agency = Schemas["AgencyOut"];
type Query = NonNullable<paths["/api/v1/auth/staff"]["get"]["parameters"]["query"]>;
type Filters = { agency_code: string; role: string; q: string };

const EMPTY = { username: "", display_name: "", password: "", role: "officer" as "officer" | "admin", agency_code: "" };

export function StaffAccounts() {
  const [filters, setFilters] = useState<Filters>({ agency_code: "", role: "", q: "" });
  const [typed, setTyped] = useState("");
  const [agencies, setAgencies] = useState<Agency[]>([]);
  const [fresh, setFresh] = useState(EMPTY);
  const result = useOutcome();
  const me = session.value?.me.subject;

  const paged = usePaged<Staff>(async (cursor) => {
    const query: Query = { limit: 50 };
    if (filters.agency_code) query.agency_code = filters.agency_code;
    if (filters.role) query.role = filters.role as Query["role"];
    if (filters.q) query.q = filters.q;
    if (cursor) query.cursor = cursor;
    return (await api.GET("/api/v1/auth/staff", { params: { query } })).data;
  });
  const busy = result.busy;

  useEffect(() => {
    void paged.load();
  }, [filters]);
  useEffect(() => {
    void api.GET("/api/v1/agencies").then(({ data }) => data && setAgencies(data.items.filter((x) => x.active)));
  }, []);

  const agencyName = (code: string | null | undefined) =>
    code ? (agencies.find((x) => x.code === code)?.name ?? code) : "—";

  const replace = (account: Staff) =>
    paged.setItems((rows) => rows?.map((r) => (r.id === account.id ? account : r)) ?? null);
  const act = result.run;

  const lock = (s: Staff) =>
    act(`lock-${s.id}`, async () => {
      const path = s.active ? "/api/v1/auth/staff/{account_id}/lock" : "/api/v1/auth/staff/{account_id}/unlock";
      const { data, error } = await api.POST(path, { params: { path: { account_id: s.id } } });
      if (!data) return result.fail(error);
      replace(data);
      result.done(a(data.active ? "unlockedDone" : "lockedDone", { user: data.username }));
    });

  const reset = (s: Staff) =>
    act(`reset-${s.id}`, async () => {
      const { data, error } = await api.POST("/api/v1/auth/staff/{account_id}/password", {
        params: { path: { account_id: s.id } },
      });
      if (!data) return result.fail(error);
      replace(data.staff);
      result.done(a("resetDone", { user: data.staff.username, password: data.temporary_password }));
    });

  const create = () =>
    act("create", async () => {
      const { data, error } = await api.POST("/api/v1/auth/staff", {
        body: {
          username: fresh.username.trim(),
          display_name: fresh.display_name.trim(),
          password: fresh.password,
          role: fresh.role,
          agency_code: fresh.role === "officer" ? fresh.agency_code || null : null,
        },
      });
      if (!data) return result.fail(error);
      setFresh(EMPTY);
      result.done(a("created", { user: data.username }));
      await paged.load();
    });

  const agencyOptions = agencies.map((x) => ({ value: x.code, label: x.name }));
  return (
    <Page title={a("staffTitle")}>
      <p>{a("staffIntro")}</p>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ ...filters, q: typed.trim() });
        }}
      >
        <TextField label={a("staffSearch")} type="search" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
        <SelectField
          label={a("agency")}
          value={filters.agency_code}
          onChange={(e) => setFilters({ ...filters, agency_code: e.currentTarget.value })}
          options={[{ value: "", label: a("any") }, ...agencyOptions]}
        />
        <SelectField
          label={a("role")}
          value={filters.role}
          onChange={(e) => setFilters({ ...filters, role: e.currentTarget.value })}
          options={[
            { value: "", label: a("any") },
            { value: "officer", label: a("role_officer") },
            { value: "admin", label: a("role_admin") },
          ]}
        />
        <div class="actions">
          <Button type="submit">{a("search")}</Button>
        </div>
      </form>
      {result.view}
      <Listing paged={paged}>
        {(items) => (
          <CountedTable
            count={a("count", { n: paged.total })}
            caption={a("staffTitle")}
            tableClass="queue"
            columns={[a("colUser"), a("colPerson"), a("role"), a("agency"), a("colState"), a("colLastSignIn"), a("colActions")]}
            items={items}
            row={(s) => (
              <tr key={s.id} data-username={s.username}>
                <th scope="row">{s.username}</th>
                <td>{s.display_name ?? "—"}</td>
                <td>{s.role === "admin" ? a("role_admin") : a("role_officer")}</td>
                <td>{agencyName(s.agency_code)}</td>
                <td>{s.active ? <Badge tone="good">{a("active")}</Badge> : <Badge tone="bad">{a("locked")}</Badge>}</td>
                <td>{s.last_sign_in_at ? when(s.last_sign_in_at, lang.value, true) : a("never")}</td>
                <td class="row-actions">
                  {s.id !== me && (
                    <Button
                      kind="secondary"
                      busy={busy === `lock-${s.id}`}
                      aria-label={a(s.active ? "lockOf" : "unlockOf", { user: s.username })}
                      onClick={() => void lock(s)}
                    >
                      {s.active ? a("lock") : a("unlock")}
                    </Button>
                  )}
                  <Button
                    kind="quiet"
                    busy={busy === `reset-${s.id}`}
                    aria-label={a("resetOf", { user: s.username })}
                    onClick={() => void reset(s)}
                  >
                    {a("reset")}
                  </Button>
                </td>
              </tr>
            )}
          />
        )}
      </Listing>
      <form
        class="narrow"
        aria-labelledby="new-staff"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <h2 id="new-staff">{a("newStaff")}</h2>
        <TextField
          label={a("displayName")}
          required
          maxLength={255}
          value={fresh.display_name}
          onInput={(e) => setFresh({ ...fresh, display_name: e.currentTarget.value })}
        />
        <TextField
          label={a("username")}
          hint={a("usernameHint")}
          required
          pattern="[a-z0-9._\-]{3,64}"
          autoComplete="off"
          value={fresh.username}
          onInput={(e) => setFresh({ ...fresh, username: e.currentTarget.value })}
        />
        <TextField
          label={a("password")}
          hint={a("passwordHint")}
          type="password"
          required
          minLength={12}
          autoComplete="new-password"
          value={fresh.password}
          onInput={(e) => setFresh({ ...fresh, password: e.currentTarget.value })}
        />
        <SelectField
          label={a("role")}
          value={fresh.role}
          onChange={(e) => setFresh({ ...fresh, role: e.currentTarget.value as "officer" | "admin" })}
          options={[
            { value: "officer", label: a("role_officer") },
            { value: "admin", label: a("role_admin") },
          ]}
        />
        {fresh.role === "officer" && (
          <SelectField
            label={a("agency")}
            required
            value={fresh.agency_code}
            onChange={(e) => setFresh({ ...fresh, agency_code: e.currentTarget.value })}
            options={[{ value: "", label: "—" }, ...agencyOptions]}
          />
        )}
        <Button type="submit" busy={busy === "create"}>
          {a("create")}
        </Button>
      </form>
    </Page>
  );
}
