// Counter intake: a citizen came in person; the officer files the dossier on their behalf (channel "trực tiếp"),
// receives it, and prints the receipt and appointment paper.
import { useEffect, useState } from "preact/hooks";
import type { paths } from "@api/schema";
import { api, multipart, problemText, session, type Schemas } from "@ui/api";
import { lang } from "@ui/i18n";
import { Button, Notice, Page, SelectField, TextField } from "@ui/kit";
import { normalisePhone, onceKey, when } from "@ui/text";
import { Preview, paperBlob } from "../files";
import { deskPath } from "../screens";
import { t } from "../strings";

type Procedure = Schemas["ProcedureOut"];
type Summary = Schemas["ProcedureSummary"];
type Filed = Schemas["DossierOut"];
type Submission = paths["/api/v1/dossiers"]["post"]["requestBody"]["content"]["application/json"];

const EMPTY = { name: "", cccd: "", phone: "", email: "", address: "" };

function FindProcedure({ onPick }: { onPick: (code: string) => void }) {
  const [q, setQ] = useState("");
  const [hits, setHits] = useState<Summary[]>([]);
  useEffect(() => {
    const timer = setTimeout(async () => {
      const { data } = await api.GET("/api/v1/procedures", { params: { query: { q: q.trim() || undefined, size: 20 } } });
      if (data) setHits(data.items);
    }, 150);
    return () => clearTimeout(timer);
  }, [q]);
  return (
    <section aria-labelledby="find-title">
      <h2 id="find-title">{t("intakeFind")}</h2>
      <TextField label={t("intakeSearch")} hint={t("intakeSearchHint")} type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      <ul class="doc-list" data-testid="procedures">
        {hits.map((p) => (
          <li key={p.code}>
            <Button kind="secondary" onClick={() => onPick(p.code)}>
              {p.name}
            </Button>
            <span class="hint">{p.code}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Receipt({ filed, onAgain }: { filed: Filed; onAgain: () => void }) {
  const [dossier, setDossier] = useState(filed);
  const [error, setError] = useState<string | null>(null);
  const receive = async () => {
    const { data, error: problem } = await api.POST("/api/v1/dossiers/{code}/actions/{action}", {
      params: { path: { code: dossier.code, action: "receive" } },
      body: {},
    });
    if (data) setDossier(data);
    else setError(problemText(problem, t("failed")));
  };
  return (
    <section aria-live="polite">
      <Notice kind="success">{t("filed", { code: dossier.code })}</Notice>
      {error && <Notice kind="error">{error}</Notice>}
      {!dossier.received_at && dossier.allowed_actions.includes("receive") && (
        <div class="actions">
          <Button onClick={() => void receive()}>{t("intakeReceive")}</Button>
        </div>
      )}
      {dossier.received_at && (
        <>
          <p>{t("intakeAppointment", { d: when(dossier.appointment_at, lang.value, true) })}</p>
          <h2>{t("paper_receipt")}</h2>
          <Preview title={t("paper_receipt")} name={`${dossier.code}-receipt.pdf`} load={() => paperBlob(dossier.code, "receipt")} />
        </>
      )}
      <div class="actions">
        <a class="button secondary" href={deskPath(`ho-so/${encodeURIComponent(dossier.code)}`)}>
          {t("intakeOpen")}
        </a>
        <Button kind="quiet" onClick={onAgain}>
          {t("intakeAnother")}
        </Button>
      </div>
    </section>
  );
}

export function Intake() {
  const [procedure, setProcedure] = useState<Procedure | null>(null);
  const [caseCode, setCaseCode] = useState("");
  const [person, setPerson] = useState(EMPTY);
  const [files, setFiles] = useState<Record<string, File>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [filed, setFiled] = useState<Filed | null>(null);
  const [key, setKey] = useState(() => onceKey("quay"));
  const mine = session.value?.me.agency_code ?? null;

  const pick = async (code: string) => {
    const { data } = await api.GET("/api/v1/procedures/{code}", { params: { path: { code } } });
    if (!data) return setError(t("failed"));
    setProcedure(data);
    setCaseCode(data.cases.length === 1 ? (data.cases[0]?.code ?? "") : "");
    setFiles({});
    setError(null);
  };
  const again = () => {
    setProcedure(null);
    setPerson(EMPTY);
    setFiles({});
    setFiled(null);
    setKey(onceKey("quay"));
  };

  const documents = (procedure?.documents ?? []).filter((d) => d.case_codes.length === 0 || d.case_codes.includes(caseCode));
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!procedure) return;
    const phone = normalisePhone(person.phone);
    if (!phone) return setError(t("intakePhoneInvalid"));
    setBusy(true);
    setError(null);
    const receiving = procedure.receiving_agencies.some((a) => a.code === mine) ? mine : null;
    const dossier: Submission = {
      procedure_code: procedure.code,
      case_code: caseCode || null,
      agency_code: receiving,
      channel: "counter",
      applicant: {
        name: person.name.trim(),
        cccd: person.cccd.trim(),
        phone,
        email: person.email.trim() || null,
        address: person.address.trim(),
      },
    };
    const { data, error: problem } = await api.POST("/api/v1/dossiers", {
      params: { header: { "Idempotency-Key": key } },
      body: dossier,
      bodySerializer: () => multipart({ dossier, ...files }),
    });
    setBusy(false);
    if (data) setFiled(data);
    else setError(problemText(problem, t("failed")));
  };

  const field = (name: keyof typeof EMPTY) => ({
    value: person[name],
    onInput: (e: Event) => setPerson({ ...person, [name]: (e.currentTarget as HTMLInputElement).value }),
  });
  return (
    <Page title={t("intakeTitle")}>
      <p>{t("intakeIntro")}</p>
      {filed ? (
        <Receipt filed={filed} onAgain={again} />
      ) : !procedure ? (
        <FindProcedure onPick={(code) => void pick(code)} />
      ) : (
        <form onSubmit={submit} class="intake">
          <h2>{procedure.name}</h2>
          <p>
            <Button type="button" kind="quiet" onClick={() => setProcedure(null)}>
              {t("intakeOther")}
            </Button>
          </p>
          {procedure.cases.length > 1 && (
            <SelectField
              label={t("case")}
              required
              value={caseCode}
              onChange={(e) => setCaseCode(e.currentTarget.value)}
              options={[{ value: "", label: "—" }, ...procedure.cases.map((c) => ({ value: c.code, label: c.name }))]}
            />
          )}
          <fieldset class="group">
            <legend>{t("applicant")}</legend>
            <TextField label={t("name")} required autoComplete="off" {...field("name")} />
            <TextField label={t("cccd")} required inputMode="numeric" pattern="\d{12}" maxLength={12} hint={t("cccdHint")} {...field("cccd")} />
            <TextField label={t("phone")} required type="tel" inputMode="tel" {...field("phone")} />
            <TextField label={t("email")} type="email" {...field("email")} />
            <TextField label={t("address")} required {...field("address")} />
          </fieldset>
          <fieldset class="group">
            <legend>{t("documents")}</legend>
            {documents.map((d) => (
              <div class="field" key={d.code}>
                <label for={`doc-${d.code}`}>
                  {d.name} {d.required ? <span class="hint">({t("required")})</span> : null}
                </label>
                <input
                  id={`doc-${d.code}`}
                  type="file"
                  accept="application/pdf,image/jpeg,image/png"
                  required={d.required}
                  onChange={(e) => {
                    const file = e.currentTarget.files?.[0];
                    const rest = { ...files };
                    delete rest[d.code];
                    setFiles(file ? { ...rest, [d.code]: file } : rest);
                  }}
                />
              </div>
            ))}
          </fieldset>
          {error && <Notice kind="error">{error}</Notice>}
          <Button type="submit" busy={busy}>
            {t("intakeSubmit")}
          </Button>
        </form>
      )}
    </Page>
  );
}
