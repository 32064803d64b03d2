import { useEffect, useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api, authHeaders, problemText, session, upload, type Schemas } from "@ui/api";
import { Button, Notice, Page, Progress, SelectField, TextField } from "@ui/kit";
import { onceKey } from "@ui/text";
import { SignedIn } from "../App";
import { dropFiles, keepFiles, keptFiles } from "../keep";
import { t } from "../strings";
import { useProcedure, type ProcedureOut } from "./Procedure";

/** What the citizen typed, kept on the phone until the dossier is sent (and on the server as a draft). */
export interface LocalDraft {
  case_code: string;
  agency_code: string;
  applicant: { name: string; cccd: string; phone: string; address: string; email: string };
  purpose: string;
  /** One key for this filing: a retry after a flaky network replays it instead of filing twice. */
  key: string;
  server_code: string | null;
}

const draftKey = (procedure: string): string => `motcua.draft.${procedure}`;

export function loadDraft(procedure: string): LocalDraft | null {
  try {
    return JSON.parse(localStorage.getItem(draftKey(procedure)) ?? "null") as LocalDraft | null;
  } catch {
    return null;
  }
}

/** The documents a case asks for: those without case restriction and those naming it. */
export function requiredDocuments(procedure: ProcedureOut, caseCode: string): Schemas["RequiredDocument"][] {
  return (procedure.documents ?? []).filter(
    (d) => d.required !== false && (!d.case_codes?.length || d.case_codes.includes(caseCode)),
  );
}

function localPhone(e164: string | null | undefined): string {
  return e164?.startsWith("+84") ? "0" + e164.slice(3) : (e164 ?? "");
}

function Form({ procedure }: { procedure: ProcedureOut }) {
  const { route } = useLocation();
  const chosenAgency = new URLSearchParams(location.search).get("agency") ?? "";
  const onlineCase = procedure.cases.find((c) => c.channels.some((ch) => ch.channel === "online")) ?? procedure.cases[0];
  const [draft, setDraft] = useState<LocalDraft>(
    () =>
      loadDraft(procedure.code) ?? {
        case_code: onlineCase?.code ?? "",
        agency_code: chosenAgency || procedure.receiving_agencies?.[0]?.code || "",
        applicant: { name: "", cccd: "", phone: localPhone(session.value?.me.phone), address: "", email: "" },
        purpose: "",
        key: onceKey("file"),
        server_code: null,
      },
  );
  const [files, setFiles] = useState<Record<string, File>>({});
  const [message, setMessage] = useState<{ kind: "info" | "success" | "error"; text: string } | null>(null);
  const [progress, setProgress] = useState<number | null>(null);

  useEffect(() => localStorage.setItem(draftKey(procedure.code), JSON.stringify(draft)), [draft]);
  useEffect(() => {
    void keptFiles(procedure.code).then((kept) => setFiles((chosen) => ({ ...kept, ...chosen })));
  }, [procedure.code]);
  const choose = (code: string, file: File) => {
    const next = { ...files, [code]: file };
    setFiles(next);
    void keepFiles(procedure.code, next).catch(() => undefined);
  };

  const set = (patch: Partial<LocalDraft>) => setDraft({ ...draft, ...patch });
  const person = (name: keyof LocalDraft["applicant"]) => ({
    value: draft.applicant[name],
    onInput: (e: { currentTarget: HTMLInputElement }) => set({ applicant: { ...draft.applicant, [name]: e.currentTarget.value } }),
  });
  const required = requiredDocuments(procedure, draft.case_code);
  const optional = (procedure.documents ?? []).filter((d) => !required.includes(d) && (!d.case_codes?.length || d.case_codes.includes(draft.case_code)));
  const applicant = { ...draft.applicant, email: draft.applicant.email || null };
  const shared = {
    case_code: draft.case_code || null,
    agency_code: draft.agency_code || null,
    form_data: draft.purpose ? { muc_dich: draft.purpose } : {},
  };

  const saveDraft = async () => {
    try {
      const body = { ...shared, applicant: Object.fromEntries(Object.entries(applicant).filter(([, v]) => v)) };
      const saved = draft.server_code
        ? await api.PATCH("/api/v1/dossiers/{code}", { params: { path: { code: draft.server_code } }, body })
        : await api.POST("/api/v1/dossiers/drafts", { body: { procedure_code: procedure.code, ...body } });
      if (!saved.data) throw new Error(problemText(saved.error, t("failed")));
      set({ server_code: saved.data.code });
      setMessage({ kind: "success", text: t("draftSaved") });
    } catch {
      setMessage({ kind: "info", text: t("draftLocal") });
    }
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const missing = required.find((d) => !files[d.code]);
    if (missing) return setMessage({ kind: "error", text: t("missingDoc", { name: missing.name }) });
    const form = new FormData();
    form.append("dossier", JSON.stringify({ procedure_code: procedure.code, ...shared, applicant }));
    for (const [code, file] of Object.entries(files)) form.append(code, file, file.name);
    setMessage(null);
    setProgress(0);
    try {
      const headers = { ...((await authHeaders()) ?? {}), "Idempotency-Key": draft.key };
      const { status, body } = await upload("/api/v1/dossiers", form, headers, setProgress);
      if (status !== 201) {
        setProgress(null);
        return setMessage({ kind: "error", text: problemText(body, t("failed")) });
      }
      const filed = body as Schemas["DossierOut"];
      localStorage.removeItem(draftKey(procedure.code));
      await dropFiles(procedure.code).catch(() => undefined);
      if (draft.server_code) {
        await api.DELETE("/api/v1/dossiers/{code}", { params: { path: { code: draft.server_code } } }).catch(() => undefined);
      }
      route(`/ho-so/${encodeURIComponent(filed.code)}?filed=1`);
    } catch {
      setProgress(null);
      setMessage({ kind: "error", text: t("draftLocal") });
    }
  };

  const docPicker = (d: Schemas["RequiredDocument"], isRequired: boolean) => (
    <div class="doc" key={d.code} data-doc={d.code}>
      <strong id={`doc-${d.code}`}>
        {d.name} {!isRequired && t("optional")}
      </strong>
      {files[d.code] && <p role="status">{t("attached", { name: files[d.code]!.name })}</p>}
      <div class="picker">
        {(["file", "camera"] as const).map((how) => (
          <label class="button secondary" key={how}>
            <input
              type="file"
              name={`${d.code}-${how}`}
              accept={how === "camera" ? "image/*" : "image/*,application/pdf"}
              capture={how === "camera" ? "environment" : undefined}
              aria-describedby={`doc-${d.code}`}
              onChange={(e) => {
                const file = e.currentTarget.files?.[0];
                if (file) choose(d.code, file);
              }}
            />
            <span>{how === "camera" ? t("camera") : t("attach")}</span>
          </label>
        ))}
      </div>
    </div>
  );

  return (
    <Page title={t("fileTitle", { name: procedure.name })}>
      <form onSubmit={submit} noValidate>
        {procedure.cases.length > 1 && (
          <SelectField
            label={t("case")}
            value={draft.case_code}
            onChange={(e) => set({ case_code: e.currentTarget.value })}
            options={procedure.cases.map((c) => ({ value: c.code, label: c.name }))}
          />
        )}
        {(procedure.receiving_agencies ?? []).length > 0 && (
          <SelectField
            label={t("receiver")}
            value={draft.agency_code}
            onChange={(e) => set({ agency_code: e.currentTarget.value })}
            options={(procedure.receiving_agencies ?? []).map((a) => ({ value: a.code, label: a.name }))}
          />
        )}
        <h2>{t("applicant")}</h2>
        <TextField label={t("name")} name="name" autoComplete="name" {...person("name")} />
        <TextField label={t("cccd")} hint={t("cccdHint")} name="cccd" inputMode="numeric" maxLength={12} {...person("cccd")} />
        <TextField label={t("phone")} name="phone" type="tel" autoComplete="tel" {...person("phone")} />
        <TextField label={t("address")} name="address" autoComplete="street-address" {...person("address")} />
        <TextField label={t("email")} name="email" type="email" autoComplete="email" {...person("email")} />
        <TextField label={t("purpose")} name="purpose" value={draft.purpose} onInput={(e) => set({ purpose: e.currentTarget.value })} />
        <h2>{t("documents")}</h2>
        {required.map((d) => docPicker(d, true))}
        {optional.map((d) => docPicker(d, false))}
        {progress !== null && <Progress value={progress} label={t("uploading")} />}
        {message && <Notice kind={message.kind}>{message.text}</Notice>}
        <div class="actions">
          <Button type="submit" busy={progress !== null}>
            {t("submit")}
          </Button>
          <Button type="button" kind="secondary" onClick={saveDraft}>
            {t("saveDraft")}
          </Button>
        </div>
      </form>
    </Page>
  );
}

export function FileDossier() {
  const { params } = useRoute();
  const [procedure, failed] = useProcedure(params.code ?? "");
  return (
    <SignedIn>
      {failed ? <Notice kind="error">{t("failed")}</Notice> : procedure ? <Form procedure={procedure} /> : null}
    </SignedIn>
  );
}
