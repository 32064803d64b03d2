import { useEffect, useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { api, authHeaders, problemText, saveFile, upload, type Schemas } from "@ui/api";
import { lang } from "@ui/i18n";
import { Badge, Button, Facts, LinkButton, Loading, Notice, Page, TextField } from "@ui/kit";
import { vnd, when } from "@ui/text";
import { SignedIn } from "../App";
import { latest } from "../live";
import { t, type Word } from "../strings";
import { statusLabel, timeLeftLabel } from "@ui/status";
import { statusTone } from "./Dossiers";

type DossierOut = Schemas["DossierOut"];

/** What was done, in the reader's language (the API's action code when the app has no words for it). */
export function actionLabel(action: string): string {
  const key = `act_${action}` as Word;
  try {
    return t(key);
  } catch {
    return action;
  }
}

function Rate({ code, onDone }: { code: string; onDone: () => void }) {
  const [rating, setRating] = useState<Schemas["Rating"] | null>(null);
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string | null>(null);
  const send = async (event: Event) => {
    event.preventDefault();
    if (!rating) return;
    const { error: problem } = await api.POST("/api/v1/dossiers/{code}/rating", {
      params: { path: { code } },
      body: { rating, comment: comment.trim() || null },
    });
    if (problem) setError(problemText(problem, t("failed")));
    else onDone();
  };
  return (
    <form onSubmit={send} aria-labelledby="rate-title">
      <h2 id="rate-title">{t("rateTitle")}</h2>
      <fieldset class="choices">
        <legend class="visually-hidden">{t("rateTitle")}</legend>
        {(["satisfied", "acceptable", "unsatisfied"] as const).map((r) => (
          <label key={r}>
            <input type="radio" name="rating" value={r} checked={rating === r} onChange={() => setRating(r)} />
            {t(r)}
          </label>
        ))}
      </fieldset>
      <TextField label={t("comment")} name="comment" value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
      {error && <Notice kind="error">{error}</Notice>}
      <Button type="submit" disabled={!rating}>
        {t("sendRating")}
      </Button>
    </form>
  );
}

function documentName(dossier: DossierOut, code: string): string {
  const known = (dossier.documents_required as { code?: string; name?: string }[]).find((d) => d.code === code);
  return known?.name ?? code;
}

function Supplement({ dossier, onDone }: { dossier: DossierOut; onDone: () => void }) {
  const asked = dossier.supplement?.documents ?? [];
  const [files, setFiles] = useState<Record<string, File>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const send = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const headers = (await authHeaders()) ?? {};
    for (const [document_code, file] of Object.entries(files)) {
      const form = new FormData();
      form.append("document_code", document_code);
      form.append("file", file, file.name);
      const { status, body } = await upload(`/api/v1/dossiers/${encodeURIComponent(dossier.code)}/documents`, form, headers, () => {});
      if (status >= 300) {
        setBusy(false);
        return setError(problemText(body, t("failed")));
      }
    }
    const { error: problem } = await api.POST("/api/v1/dossiers/{code}/actions/{action}", {
      params: { path: { code: dossier.code, action: "supplement" } },
      body: {},
    });
    setBusy(false);
    if (problem) setError(problemText(problem, t("failed")));
    else onDone();
  };
  return (
    <form onSubmit={send}>
      {asked.map((code) => (
        <div class="field" key={code}>
          <label for={`sup-${code}`}>{documentName(dossier, code)}</label>
          <input id={`sup-${code}`} type="file" accept="image/*,application/pdf" onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            if (file) setFiles({ ...files, [code]: file });
          }} />
        </div>
      ))}
      {error && <Notice kind="error">{error}</Notice>}
      <Button type="submit" busy={busy}>
        {t("submit")}
      </Button>
    </form>
  );
}

function Detail({ code }: { code: string }) {
  const [dossier, setDossier] = useState<DossierOut | null>(null);
  const [timeline, setTimeline] = useState<Schemas["TimelineItem"][]>([]);
  const [failed, setFailed] = useState(false);
  const [rated, setRated] = useState(false);
  const load = async () => {
    const [one, steps] = await Promise.all([
      api.GET("/api/v1/dossiers/{code}", { params: { path: { code } } }),
      api.GET("/api/v1/dossiers/{code}/timeline", { params: { path: { code } } }),
    ]).catch(() => [{ data: undefined }, { data: undefined }] as const);
    if (one.data) setDossier(one.data);
    else setFailed(true);
    if (steps.data) setTimeline(steps.data.items);
  };
  useEffect(() => {
    if (!latest.value || latest.value.dossier_code === code) void load();
  }, [code, latest.value]);
  if (!dossier) return failed ? <Notice kind="error">{t("failed")}</Notice> : <Loading label={t("loading")} />;
  const filed = new URLSearchParams(location.search).has("filed");
  const papers: Schemas["Paper"][] = [];
  if (dossier.received_at) papers.push("receipt");
  if (dossier.supplement) papers.push("supplement-request");
  return (
    <Page title={dossier.procedure_name}>
      {filed && <Notice kind="success">{t("filed", { code: dossier.code })}</Notice>}
      <Facts
        rows={[
          [t("dossierCode"), <strong>{dossier.code}</strong>],
          [t("status"), <Badge tone={statusTone(dossier.status)}><span data-testid="status">{statusLabel(dossier)}</span></Badge>],
          ...(dossier.step_name ? [[t("currentStep"), t("step", { n: dossier.current_step ?? 0, of: dossier.step_count, name: dossier.step_name })] as [string, string]] : []),
          [t("agency"), dossier.agency_name],
          [t("submittedAt"), when(dossier.submitted_at, lang.value, true)],
          [t("due"), <>{when(dossier.due_at, lang.value)}{dossier.time_left && <> · <strong>{timeLeftLabel(dossier.time_left)}</strong></>}{dossier.due_at_estimated && <> ({t("dueEstimated")})</>}</>],
          [t("lookupSecret"), <code>{dossier.lookup_secret}</code>],
        ]}
      />
      {dossier.status === "supplement_requested" && dossier.supplement && (
        <>
          <Notice kind="info">{t("supplementAsked", { reason: dossier.supplement.reason ?? "" })}</Notice>
          {(dossier.supplement.documents ?? []).length > 0 && <Supplement dossier={dossier} onDone={() => void load()} />}
        </>
      )}
      <h2>{t("fees")}</h2>
      <p>
        {vnd(dossier.fees.total, lang.value)} ·{" "}
        {dossier.fees.outstanding ? (
          <Badge tone="warn">{t("unpaid")}</Badge>
        ) : dossier.fees.paid_at ? (
          t("paidOn", { d: when(dossier.fees.paid_at, lang.value) })
        ) : (
          t("free")
        )}
      </p>
      {dossier.fees.outstanding && (
        <div class="actions">
          <LinkButton href={`/thanh-toan/${encodeURIComponent(dossier.code)}`}>{t("pay")}</LinkButton>
        </div>
      )}
      {dossier.fees.paid_at && <LinkButton kind="secondary" href={`/thanh-toan/${encodeURIComponent(dossier.code)}`}>{t("receipt")}</LinkButton>}
      {papers.length > 0 && (
        <>
          <h2>{t("papers")}</h2>
          <ul>
            {papers.map((p) => (
              <li key={p}>
                <Button kind="quiet" onClick={() => void saveFile(`/api/v1/dossiers/${encodeURIComponent(dossier.code)}/papers/${p}`, `${dossier.code}-${p}.pdf`)}>
                  {t(`paper_${p}` as Word)}
                </Button>
              </li>
            ))}
          </ul>
        </>
      )}
      {dossier.returned_at && !rated && <Rate code={dossier.code} onDone={() => setRated(true)} />}
      {rated && <Notice kind="success">{t("rated")}</Notice>}
      <h2>{t("timeline")}</h2>
      <ol class="timeline" aria-live="polite" data-testid="timeline">
        {timeline.map((item, i) => (
          <li key={i}>
            <time dateTime={item.at}>{when(item.at, lang.value, true)}</time>
            <strong>{actionLabel(item.action)}</strong>
            {item.note && <p>{item.note}</p>}
          </li>
        ))}
      </ol>
    </Page>
  );
}

export function Dossier() {
  const { params } = useRoute();
  return (
    <SignedIn>
      <Detail code={params.code ?? ""} />
    </SignedIn>
  );
}
