// One procedure's working copy: the fields an admin changes most in a form, the whole copy as JSON for the rest;
// save, publish (citizens see it at once), or withdraw with a reason.
import "./admin.css";
import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "@ui/api";
import { lang } from "@ui/i18n";
import { Badge, Button, Facts, LinkButton, Loading, Notice, Page, TextField } from "@ui/kit";
import { when } from "@ui/text";
import { deskPath, type ScreenProps } from "../screens";
import { statusBadge } from "./Catalogue";
import { TextArea, useOutcome } from "./parts";
import { a, type AdminWord } from "./strings";

type Admin = Schemas["ProcedureAdminOut"];
type Draft = Schemas["ProcedureIn"];

const lines = (text: string): string[] => text.split("\n").map((s) => s.trim()).filter(Boolean);
const commas = (text: string): string[] => text.split(",").map((s) => s.trim()).filter(Boolean);

function channelName(channel: string): string {
  return ["online", "counter", "postal"].includes(channel) ? a(`channel_${channel}` as AdminWord) : channel;
}

/** The cases' time and fees by channel, each number editable in place. */
function Terms({ draft, change }: { draft: Draft; change: (next: Draft) => void }) {
  const set = (ci: number, ti: number, patch: (terms: Schemas["ChannelTermsIn"]) => Schemas["ChannelTermsIn"]) =>
    change({
      ...draft,
      cases: draft.cases.map((c, i) =>
        i !== ci ? c : { ...c, channels: c.channels.map((t, j) => (j !== ti ? t : patch(t))) },
      ),
    });
  return (
    <div class="table-wrap">
      <table class="queue">
        <caption class="visually-hidden">{a("terms")}</caption>
        <thead>
          <tr>
            <th scope="col">{a("colCase")}</th>
            <th scope="col">{a("colChannel")}</th>
            <th scope="col">{a("colDays")}</th>
            <th scope="col">{a("colFee")}</th>
          </tr>
        </thead>
        <tbody>
          {draft.cases.flatMap((c, ci) =>
            c.channels.map((terms, ti) => (
              <tr key={`${c.code}-${terms.channel}`}>
                <td>{c.name}</td>
                <td>{channelName(terms.channel)}</td>
                <td>
                  <input
                    class="number"
                    type="number"
                    min={0}
                    max={365}
                    step="0.5"
                    aria-label={a("daysOf", { case: c.name, channel: channelName(terms.channel) })}
                    value={terms.processing_days}
                    onInput={(e) => set(ci, ti, (t) => ({ ...t, processing_days: Number(e.currentTarget.value) }))}
                  />
                </td>
                <td>
                  {(terms.fee_items ?? []).length === 0
                    ? a("noFee")
                    : (terms.fee_items ?? []).map((fee, fi) => (
                        <label class="fee" key={fi}>
                          <span>{fee.name}</span>
                          <input
                            class="number"
                            type="number"
                            min={0}
                            step={1000}
                            aria-label={a("amountOf", { fee: fee.name, case: c.name, channel: channelName(terms.channel) })}
                            value={fee.amount}
                            onInput={(e) =>
                              set(ci, ti, (t) => ({
                                ...t,
                                fee_items: (t.fee_items ?? []).map((f, k) =>
                                  k !== fi ? f : { ...f, amount: Number(e.currentTarget.value) },
                                ),
                              }))
                            }
                          />
                        </label>
                      ))}
                </td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </div>
  );
}

export function ProcedureEdit({ params }: ScreenProps) {
  const code = decodeURIComponent(params.code ?? "");
  const [copy, setCopy] = useState<Admin | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [json, setJson] = useState("");
  const [reason, setReason] = useState("");
  const [failed, setFailed] = useState(false);
  const result = useOutcome();

  const adopt = (loaded: Admin) => {
    setCopy(loaded);
    setDraft(loaded.draft);
    setJson(JSON.stringify(loaded.draft, null, 2));
  };

  useEffect(() => {
    void api
      .GET("/api/v1/procedures/{code}/admin", { params: { path: { code } } })
      .then(({ data }) => (data ? adopt(data) : setFailed(true)))
      .catch(() => setFailed(true));
  }, [code]);

  const change = (next: Draft) => {
    setDraft(next);
    setJson(JSON.stringify(next, null, 2));
  };

  const { run, busy } = result;

  const save = async (): Promise<boolean> => {
    const { data, error } = await api.PUT("/api/v1/procedures/{code}", { params: { path: { code } }, body: draft! });
    if (!data) {
      result.fail(error);
      return false;
    }
    adopt(data);
    return true;
  };

  const publish = async () => {
    if (!(await save())) return;
    const { data, error } = await api.POST("/api/v1/procedures/{code}/publish", { params: { path: { code } } });
    if (!data) return result.fail(error);
    const { data: fresh } = await api.GET("/api/v1/procedures/{code}/admin", { params: { path: { code } } });
    if (fresh) adopt(fresh);
    result.done(a("published", { version: data.version }));
  };

  const withdraw = async () => {
    const { data, error } = await api.POST("/api/v1/procedures/{code}/withdraw", {
      params: { path: { code } },
      body: { reason: reason.trim() || null },
    });
    if (!data) return result.fail(error);
    const { data: fresh } = await api.GET("/api/v1/procedures/{code}/admin", { params: { path: { code } } });
    if (fresh) adopt(fresh);
    result.done(a("withdrawn"));
  };

  const back = (
    <a class="back" href={deskPath("quan-tri/thu-tuc")}>
      {a("backToCatalogue")}
    </a>
  );
  if (failed) {
    return (
      <Page title={a("editTitle", { code })} back={back}>
        <Notice kind="error">{a("failed")}</Notice>
      </Page>
    );
  }
  if (!copy || !draft) return <Loading label={a("loading")} />;
  return (
    <Page title={a("editTitle", { code })} back={back}>
      <Facts
        rows={[
          [a("status"), statusBadge(copy.status)],
          [a("publishedVersion"), copy.version ? String(copy.version) : a("notPublishedYet")],
          [
            a("workingCopy"),
            copy.has_unpublished_changes ? <Badge tone="warn">{a("unpublished")}</Badge> : a("upToDate"),
          ],
          [a("colUpdated"), when(copy.updated_at, lang.value, true)],
        ]}
      />
      {result.view}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run("save", async () => {
            if (await save()) result.done(a("saved"));
          });
        }}
      >
        <h2>{a("workingCopy")}</h2>
        <TextArea label={a("name")} rows={2} value={draft.name} onInput={(e) => change({ ...draft, name: e.currentTarget.value })} />
        <TextField
          label={a("result")}
          value={draft.result ?? ""}
          onInput={(e) => change({ ...draft, result: e.currentTarget.value || null })}
        />
        <TextArea
          label={a("legalBasis")}
          hint={a("legalBasisHint")}
          rows={4}
          value={(draft.legal_basis ?? []).join("\n")}
          onInput={(e) => change({ ...draft, legal_basis: lines(e.currentTarget.value) })}
        />
        <TextField
          label={a("keywords")}
          hint={a("keywordsHint")}
          value={(draft.keywords ?? []).join(", ")}
          onInput={(e) => change({ ...draft, keywords: commas(e.currentTarget.value) })}
        />
        <h3>{a("terms")}</h3>
        <Terms draft={draft} change={change} />
        <details class="advanced">
          <summary>{a("advanced")}</summary>
          <TextArea
            label={a("advanced")}
            hint={a("advancedHint")}
            rows={18}
            spellcheck={false}
            value={json}
            onInput={(e) => setJson(e.currentTarget.value)}
          />
          <Button
            type="button"
            kind="secondary"
            onClick={() => {
              try {
                setDraft(JSON.parse(json) as Draft);
                result.done(a("jsonApplied"));
              } catch (error) {
                result.fail(undefined, a("badJson", { reason: (error as Error).message }));
              }
            }}
          >
            {a("applyJson")}
          </Button>
        </details>
        <div class="actions">
          <Button type="submit" kind="secondary" busy={busy === "save"}>
            {a("save")}
          </Button>
          <Button type="button" busy={busy === "publish"} onClick={() => void run("publish", publish)}>
            {a("publish")}
          </Button>
          {copy.version > 0 && (
            <LinkButton href={`/thu-tuc/${encodeURIComponent(code)}`} kind="quiet">
              {a("viewPublic")}
            </LinkButton>
          )}
        </div>
      </form>
      {copy.status === "published" && (
        <form
          class="narrow"
          onSubmit={(e) => {
            e.preventDefault();
            void run("withdraw", withdraw);
          }}
        >
          <h2>{a("withdrawTitle")}</h2>
          <p class="hint">{a("withdrawHint")}</p>
          <TextField label={a("withdrawReason")} value={reason} maxLength={2000} onInput={(e) => setReason(e.currentTarget.value)} />
          <Button type="submit" kind="secondary" busy={busy === "withdraw"}>
            {a("withdraw")}
          </Button>
        </form>
      )}
    </Page>
  );
}
