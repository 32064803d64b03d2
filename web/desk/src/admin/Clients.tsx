// Integrator clients: each one's scopes (from those the platform's operations use), on or off, a new secret
// shown once; a new client registered with its scopes.
import "./admin.css";
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "@ui/api";
import { lang } from "@ui/i18n";
import { Badge, Button, Loading, Notice, Page, TextField } from "@ui/kit";
import { when } from "@ui/text";
import { Check, useOutcome } from "./parts";
import { a } from "./strings";

type Client = Schemas["ClientInfo"];
type Scope = Schemas["ScopeOut"];

/** The check boxes of ``scopes``, those in ``chosen`` ticked; the client's other scopes (no longer used by any
operation) are listed too, so saving does not drop them unseen. */
function ScopeChecks({ legend, scopes, chosen, change }: { legend: string; scopes: Scope[]; chosen: string[]; change: (next: string[]) => void }) {
  const extra = chosen.filter((s) => !scopes.some((k) => k.scope === s)).map((s) => ({ scope: s, description: "" }));
  return (
    <fieldset class="scopes">
      <legend>{legend}</legend>
      {[...scopes, ...extra].map((s) => (
        <Check
          key={s.scope}
          checked={chosen.includes(s.scope)}
          onChange={(e) =>
            change(e.currentTarget.checked ? [...chosen, s.scope] : chosen.filter((c) => c !== s.scope))
          }
          label={
            <>
              <code>{s.scope}</code>
              {s.description && <span class="hint"> — {s.description}</span>}
            </>
          }
        />
      ))}
    </fieldset>
  );
}

function ClientCard({ client, scopes, onSaved, result }: { client: Client; scopes: Scope[]; onSaved: (c: Client) => void; result: ReturnType<typeof useOutcome> }) {
  const [chosen, setChosen] = useState<string[]>(client.scopes);
  // Keys of this client's actions in the screen's one busy marker.
  const run = (what: string, call: () => Promise<unknown>) => result.run(`${client.client_id}-${what}`, call);
  const busy = result.busy?.startsWith(`${client.client_id}-`) ? result.busy.slice(client.client_id.length + 1) : null;

  const patch = (body: Schemas["ClientPatch"], what: string) =>
    run(what, async () => {
      if (body.scopes && body.scopes.length === 0) return result.fail(undefined, a("atLeastOneScope"));
      const { data, error } = await api.PATCH("/api/v1/auth/clients/{client_id}", {
        params: { path: { client_id: client.client_id } },
        body,
      });
      if (!data) return result.fail(error);
      onSaved(data);
      setChosen(data.scopes);
      result.done(a("saved"));
    });

  const rotate = () =>
    run("secret", async () => {
      const { data, error } = await api.POST("/api/v1/auth/clients/{client_id}/secret", {
        params: { path: { client_id: client.client_id } },
      });
      if (!data) return result.fail(error);
      result.done(a("secretShown", { name: data.name, id: data.client_id, secret: data.client_secret }));
    });

  return (
    <article class="card" aria-labelledby={`client-${client.client_id}`} data-client={client.client_id}>
      <h2 id={`client-${client.client_id}`}>{client.name}</h2>
      <p>
        {a("clientId")}: <code>{client.client_id}</code> ·{" "}
        {client.active ? <Badge tone="good">{a("clientOn")}</Badge> : <Badge tone="bad">{a("clientOff")}</Badge>} ·{" "}
        {when(client.created_at, lang.value)}
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void patch({ scopes: chosen }, "scopes");
        }}
      >
        <ScopeChecks legend={a("scopes", { name: client.name })} scopes={scopes} chosen={chosen} change={setChosen} />
        <div class="actions">
          <Button type="submit" kind="secondary" busy={busy === "scopes"}>
            {a("saveScopes")}
          </Button>
          <Button
            type="button"
            kind="secondary"
            busy={busy === "active"}
            aria-label={a(client.active ? "turnOffOf" : "turnOnOf", { name: client.name })}
            onClick={() => void patch({ active: !client.active }, "active")}
          >
            {client.active ? a("turnOff") : a("turnOn")}
          </Button>
          <Button
            type="button"
            kind="quiet"
            busy={busy === "secret"}
            aria-label={a("newSecretOf", { name: client.name })}
            onClick={() => void rotate()}
          >
            {a("newSecret")}
          </Button>
        </div>
      </form>
    </article>
  );
}

export function Clients() {
  const [items, setItems] = useState<Client[] | null>(null);
  const [scopes, setScopes] = useState<Scope[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const result = useOutcome();

  const load = async (cursor: string | null = null) => {
    const { data } = await api
      .GET("/api/v1/auth/clients", { params: { query: cursor ? { cursor } : {} } })
      .catch(() => ({ data: undefined }));
    if (!data) return setFailed(true);
    setFailed(false);
    setItems((before) => (cursor && before ? [...before, ...data.items] : data.items));
    setScopes(data.scopes_available);
    setNext(data.next_cursor ?? null);
  };
  useEffect(() => {
    void load();
  }, []);

  const register = () =>
    result.run("register", async () => {
      if (chosen.length === 0) return result.fail(undefined, a("atLeastOneScope"));
      const { data, error } = await api.POST("/api/v1/auth/clients", { body: { name: name.trim(), scopes: chosen } });
      if (!data) return result.fail(error);
      setName("");
      setChosen([]);
      result.done(a("secretShown", { name: data.name, id: data.client_id, secret: data.client_secret }));
      await load();
    });

  return (
    <Page title={a("clientsTitle")}>
      <p>{a("clientsIntro")}</p>
      {result.view}
      {failed && <Notice kind="error">{a("failed")}</Notice>}
      {items === null && !failed && <Loading label={a("loading")} />}
      {items?.map((client) => (
        <ClientCard
          key={client.client_id}
          client={client}
          scopes={scopes}
          result={result}
          onSaved={(saved) => setItems((rows) => rows?.map((r) => (r.client_id === saved.client_id ? saved : r)) ?? null)}
        />
      ))}
      {next && (
        <div class="actions">
          <Button kind="secondary" onClick={() => void load(next)}>
            {a("more")}
          </Button>
        </div>
      )}
      <form
        class="narrow"
        aria-labelledby="new-client"
        onSubmit={(e) => {
          e.preventDefault();
          void register();
        }}
      >
        <h2 id="new-client">{a("newClient")}</h2>
        <TextField label={a("clientName")} required maxLength={255} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <ScopeChecks legend={a("scopesNew")} scopes={scopes} chosen={chosen} change={setChosen} />
        <Button type="submit" busy={result.busy === "register"}>
          {a("register")}
        </Button>
      </form>
    </Page>
  );
}
