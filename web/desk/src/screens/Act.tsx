// The actions the platform offers on a dossier now (its allowed_actions), each with the inputs it takes: a
// supplement request's checklist of missing documents, a refusal's reason, an extension's days and reason,
// a result's name; the counter's supplement takes the missing documents' files.
import { useId, useState } from "preact/hooks";
import { api, multipart, problemText, session, type Schemas } from "@ui/api";
import { Button, Notice, TextField } from "@ui/kit";
import { t, type Word } from "../strings";
import { actionLabel } from "./Dossier";

type DossierOut = Schemas["DossierOut"];
type Action = Schemas["Action"];
type Body = Schemas["ActionIn"];

/** Attach ``file`` to the dossier as ``document_code`` (a scan made at the counter); the problem's words, or null. */
export async function uploadDocument(code: string, document_code: string, file: File): Promise<string | null> {
  const { error } = await api.POST("/api/v1/dossiers/{code}/documents", {
    params: { path: { code } },
    body: { document_code, file: file.name },
    bodySerializer: () => multipart({ document_code, file }),
  });
  return error ? problemText(error, t("failed")) : null;
}

/** Actions the desk offers (the citizen's own, such as withdrawing, are not the officer's to take). */
const OFFICER_ACTIONS: Action[] = [
  "receive",
  "forward",
  "request-supplement",
  "supplement",
  "approve",
  "return-result",
  "extend-deadline",
  "reject",
];

function TextArea({ label, value, onInput, required }: { label: string; value: string; onInput: (v: string) => void; required?: boolean }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <textarea id={id} rows={3} required={required} value={value} onInput={(e) => onInput(e.currentTarget.value)} />
    </div>
  );
}

function ActionForm({ dossier, action, next, onDone }: { dossier: DossierOut; action: Action; next: string | null; onDone: (message: string) => void }) {
  const required = dossier.documents_required as { code?: string; name?: string }[];
  const [note, setNote] = useState("");
  const [reason, setReason] = useState("");
  const [days, setDays] = useState("");
  const [result, setResult] = useState("");
  const [missing, setMissing] = useState<string[]>([]);
  const [files, setFiles] = useState<Record<string, File>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async (event: Event) => {
    event.preventDefault();
    setError(null);
    if (action === "request-supplement" && missing.length === 0) return setError(t("pickMissing"));
    setBusy(true);
    if (action === "supplement") {
      for (const [document_code, file] of Object.entries(files)) {
        const sent = await uploadDocument(dossier.code, document_code, file);
        if (sent) {
          setBusy(false);
          return setError(sent);
        }
      }
    }
    const body: Body = {};
    if (note.trim()) body.note = note.trim();
    if (reason.trim()) body.reason = reason.trim();
    if (days) body.days = Number(days);
    if (result.trim()) body.result = result.trim();
    if (action === "request-supplement") body.documents = missing;
    const { data, error: problem } = await api.POST("/api/v1/dossiers/{code}/actions/{action}", {
      params: { path: { code: dossier.code, action } },
      body,
    });
    setBusy(false);
    if (!data) return setError(problemText(problem, t("failed")));
    onDone(t("actionDone", { action: actionLabel(action) }));
  };

  const needsReason = action === "reject" || action === "request-supplement" || action === "extend-deadline";
  return (
    <form class="act-form" onSubmit={send} aria-labelledby="act-title">
      <h3 id="act-title">{actionLabel(action)}</h3>
      <p class="hint">{t(`help_${action}` as Word, { next: next ?? "—" })}</p>
      {action === "request-supplement" && (
        <fieldset class="checklist">
          <legend>{t("missingItems")}</legend>
          {required.map((d) => (
            <label key={d.code}>
              <input
                type="checkbox"
                name="missing"
                value={d.code}
                checked={missing.includes(d.code ?? "")}
                onChange={(e) => {
                  const code = d.code ?? "";
                  setMissing(e.currentTarget.checked ? [...missing, code] : missing.filter((m) => m !== code));
                }}
              />
              {d.name ?? d.code}
            </label>
          ))}
        </fieldset>
      )}
      {action === "supplement" &&
        (dossier.supplement?.documents ?? []).map((code) => (
          <div class="field" key={code}>
            <label for={`sup-${code}`}>{required.find((d) => d.code === code)?.name ?? code}</label>
            <input
              id={`sup-${code}`}
              type="file"
              accept="application/pdf,image/jpeg,image/png"
              onChange={(e) => {
                const file = e.currentTarget.files?.[0];
                if (file) setFiles({ ...files, [code]: file });
              }}
            />
          </div>
        ))}
      {needsReason && <TextArea label={t(action === "reject" ? "refusalReason" : "reason")} value={reason} onInput={setReason} required />}
      {(action === "request-supplement" || action === "extend-deadline") && (
        <TextField
          label={t(action === "extend-deadline" ? "daysAdded" : "daysToAnswer")}
          type="number"
          inputMode="decimal"
          min={0.5}
          max={365}
          step={0.5}
          required={action === "extend-deadline"}
          value={days}
          onInput={(e) => setDays(e.currentTarget.value)}
        />
      )}
      {action === "approve" && <TextField label={t("resultName")} value={result} onInput={(e) => setResult(e.currentTarget.value)} />}
      {!needsReason && <TextArea label={t("note")} value={note} onInput={setNote} />}
      {error && <Notice kind="error">{error}</Notice>}
      <Button type="submit" busy={busy}>
        {t("confirmAction", { action: actionLabel(action) })}
      </Button>
    </form>
  );
}

/** The approving agency issues the result of an approved dossier as a PDF: the platform signs it with the
 * agency's certificate (a visible stamp with a QR code to verify it) and the citizen's wallet shows it. */
function IssueResult({ dossier, onDone }: { dossier: DossierOut; onDone: (message: string) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const issued = dossier.documents.find((d) => d.document_code === "KET-QUA");

  const send = async (event: Event) => {
    event.preventDefault();
    setError(null);
    if (!file) return setError(t("resultPick"));
    setBusy(true);
    const { data, error: problem } = await api.POST("/api/v1/dossiers/{code}/documents/result", {
      params: { path: { code: dossier.code } },
      body: { file: file.name },
      bodySerializer: () => multipart({ file }),
    });
    setBusy(false);
    if (!data) return setError(problemText(problem, t("failed")));
    onDone(t("resultIssued", { file: data.filename, agency: data.signed_by ?? "" }));
  };

  return (
    <form class="result-form" onSubmit={send} aria-labelledby="result-title">
      <h3 id="result-title">{t("resultTitle")}</h3>
      <p class="hint">{issued ? t("resultReplace", { file: issued.filename }) : t("resultHelp")}</p>
      <div class="field">
        <label for="result-file">{t("resultFile")}</label>
        <input id="result-file" type="file" accept="application/pdf,.pdf" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
      </div>
      {error && <Notice kind="error">{error}</Notice>}
      <Button type="submit" busy={busy}>
        {t("resultSign")}
      </Button>
    </form>
  );
}

/** The buttons of the allowed actions; the chosen one's form below them; the result's upload once approved. */
export function Act({ dossier, next, onDone }: { dossier: DossierOut; next: string | null; onDone: (message: string) => void }) {
  const [chosen, setChosen] = useState<Action | null>(null);
  const approving = dossier.status === "result_ready" && session.value?.me.agency_code === dossier.holder_agency_code;
  // The counter records a supplement by scanning what the applicant brought: the API allows the action once
  // the scans are attached, so the receiving agency is offered it while the request is open.
  const receiving = session.value?.me.agency_code === dossier.agency_code;
  const offered = OFFICER_ACTIONS.filter(
    (a) => dossier.allowed_actions.includes(a) || (a === "supplement" && receiving && dossier.status === "supplement_requested"),
  );
  const result = approving ? <IssueResult dossier={dossier} onDone={onDone} /> : null;
  if (offered.length === 0) return result ?? <p>{t("noActions")}</p>;
  return (
    <div class="act">
      {result}
      <div class="actions" role="group" aria-label={t("actions")}>
        {offered.map((a) => (
          <Button key={a} kind={chosen === a ? "primary" : "secondary"} aria-pressed={chosen === a} onClick={() => setChosen(a)}>
            {actionLabel(a)}
          </Button>
        ))}
      </div>
      {chosen && (
        <ActionForm
          key={chosen}
          dossier={dossier}
          action={chosen}
          next={next}
          onDone={(message) => {
            setChosen(null);
            onDone(message);
          }}
        />
      )}
    </div>
  );
}
