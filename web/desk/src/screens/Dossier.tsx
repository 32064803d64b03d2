import { useEffect, useRef, useState } from "preact/hooks";
import { api, problemText, type Schemas } from "@ui/api";
import { lang } from "@ui/i18n";
import { Badge, Button, Facts, Loading, Notice, Page } from "@ui/kit";
import { statusLabel } from "@ui/status";
import { vnd, when } from "@ui/text";
import { changed } from "../live";
import { Preview, documentBlob, paperBlob, type Paper } from "../files";
import { deskPath, type ScreenProps } from "../screens";
import { known, t, type Word } from "../strings";
import { channelLabel, TimeLeft } from "./Queue";
import { Act } from "./Act";

type DossierOut = Schemas["DossierOut"];
type Payment = Schemas["PaymentOut"];

/** The papers issued so far, as the timeline shows them (the API answers 409 for one not issued): the receipt
 * and the control sheet from receipt on, a supplement request per request, the refusal, the apology per
 * extension, the stop notice when processing stopped without a result. */
function papersOf(timeline: Schemas["TimelineItem"][]): Paper[] {
  const done = new Set(timeline.map((item) => item.action));
  const stopped =
    done.has("expire-supplement") ||
    timeline.some((item) => item.action === "withdraw" && ["received", "in_progress", "supplement_requested"].includes(item.from_status));
  const papers: [Paper, boolean][] = [
    ["receipt", done.has("receive")],
    ["supplement-request", done.has("request-supplement")],
    ["refusal", done.has("reject")],
    ["apology", done.has("extend-deadline")],
    ["stop", stopped],
    ["control", done.has("receive")],
  ];
  return papers.filter(([, issued]) => issued).map(([paper]) => paper);
}

/** What an action or a timeline entry is called, in the reader's language. */
export function actionLabel(action: string): string {
  const key = `act_${action}`;
  return known(key) ? t(key) : action;
}

/** The form's fields as filed: a label from the field's own name, the value as text. */
function FormFields({ data }: { data: Record<string, unknown> }) {
  const rows = Object.entries(data);
  if (rows.length === 0) return <p>{t("noFormData")}</p>;
  return (
    <Facts
      rows={rows.map(([key, value]) => [
        key.replace(/[_-]/g, " "),
        typeof value === "object" && value !== null ? JSON.stringify(value) : String(value ?? "—"),
      ])}
    />
  );
}

function Documents({ dossier }: { dossier: DossierOut }) {
  const [open, setOpen] = useState<string | null>(dossier.documents[0]?.id ?? null);
  const required = new Map((dossier.documents_required as { code?: string; name?: string }[]).map((d) => [d.code, d.name]));
  if (dossier.documents.length === 0) return <p>{t("noDocuments")}</p>;
  return (
    <>
      <ul class="doc-list">
        {dossier.documents.map((d) => (
          <li key={d.id}>
            <Button kind={open === d.id ? "primary" : "secondary"} aria-pressed={open === d.id} onClick={() => setOpen(d.id)}>
              {required.get(d.document_code) ?? d.document_code}
            </Button>
            <span class="hint">
              {d.filename} · {Math.ceil(d.size / 1024)} KB · {when(d.uploaded_at, lang.value, true)}
            </span>
          </li>
        ))}
      </ul>
      {dossier.documents
        .filter((d) => d.id === open)
        .map((d) => (
          <Preview
            key={d.id}
            title={required.get(d.document_code) ?? d.document_code}
            name={d.filename}
            load={() => documentBlob(dossier.code, d.id)}
          />
        ))}
    </>
  );
}

function Papers({ dossier, papers }: { dossier: DossierOut; papers: Paper[] }) {
  const [open, setOpen] = useState<Paper | null>(null);
  if (papers.length === 0) return <p>{t("noPapers")}</p>;
  return (
    <>
      <ul class="doc-list">
        {papers.map((p) => (
          <li key={p}>
            <Button kind={open === p ? "primary" : "secondary"} aria-pressed={open === p} onClick={() => setOpen(p)}>
              {t(`paper_${p}` as Word)}
            </Button>
          </li>
        ))}
      </ul>
      {open && (
        <Preview key={open} title={t(`paper_${open}` as Word)} name={`${dossier.code}-${open}.pdf`} load={() => paperBlob(dossier.code, open)} />
      )}
    </>
  );
}

function Fees({ dossier, payments }: { dossier: DossierOut; payments: Payment[] }) {
  const fees = dossier.fees;
  return (
    <>
      {fees.items.length === 0 ? (
        <p>{t("noFees")}</p>
      ) : (
        <ul class="plain">
          {fees.items.map((item) => (
            <li key={item.name}>
              {item.name}: {vnd(item.amount, lang.value)} {item.exempt && <Badge tone="good">{t("exempt")}</Badge>}
            </li>
          ))}
        </ul>
      )}
      <p>
        <strong>{t("feeTotal")}</strong> {vnd(fees.total, lang.value)} ·{" "}
        {fees.outstanding ? (
          <Badge tone="warn">{t("unpaid")}</Badge>
        ) : fees.paid_at ? (
          <Badge tone="good">{t("feePaid", { d: when(fees.paid_at, lang.value, true) })}</Badge>
        ) : (
          t("feeNone")
        )}
      </p>
      {payments.map((p) => (
        <p key={p.id} data-testid="payment">
          {t("paymentLine", { ref: p.reference, amount: vnd(p.amount, lang.value) })}{" "}
          <Badge tone={p.status === "succeeded" ? "good" : p.status === "pending" ? "warn" : "neutral"}>{t(paymentWord(p.status))}</Badge>
          {p.slips.some((s) => s.status === "submitted") && (
            <>
              {" "}
              <a href={deskPath(`thanh-toan?payment=${encodeURIComponent(p.id)}`)}>{t("slipToCheck")}</a>
            </>
          )}
        </p>
      ))}
    </>
  );
}

export function paymentWord(status: string): Word {
  const key = `pay_${status}`;
  return known(key) ? key : "pay_other";
}

export function Dossier({ params }: ScreenProps) {
  const code = params.code ?? "";
  const [dossier, setDossier] = useState<DossierOut | null>(null);
  const [timeline, setTimeline] = useState<Schemas["TimelineItem"][]>([]);
  const [payments, setPayments] = useState<Payment[]>([]);
  const [gone, setGone] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const shown = useRef<string | null>(null); // the code of the dossier on screen

  const load = async () => {
    const answers = await Promise.all([
      api.GET("/api/v1/dossiers/{code}", { params: { path: { code } } }),
      api.GET("/api/v1/dossiers/{code}/timeline", { params: { path: { code } } }),
      api.GET("/api/v1/payments", { params: { query: { dossier_code: code, limit: 20 } } }),
    ]).catch(() => null);
    const one = answers?.[0];
    if (one?.data) {
      shown.current = code;
      setDossier(one.data);
      setGone(null);
    } else if (shown.current !== code || (one && [403, 404].includes(one.response.status))) {
      // Only a denial means the dossier moved away from this officer. A failed re-read of a dossier on screen
      // (the network, a 429 or a 503 while the platform is busy) keeps it and its actions: unmounting them
      // would drop the form the officer is filling in; the next change or a reload reads it again.
      setGone(problemText(one?.error, t("notFound")));
    }
    if (answers?.[1].data) setTimeline(answers[1].data.items);
    if (answers?.[2].data) setPayments(answers[2].data.items);
  };
  useEffect(() => {
    void load();
  }, [code, changed.value]);

  if (gone && !dossier) {
    return (
      <Page title={t("dossierTitle", { code })}>
        <Notice kind="error">{gone}</Notice>
        <p>
          <a href={deskPath()}>{t("backToQueue")}</a>
        </p>
      </Page>
    );
  }
  if (!dossier) return <Loading label={t("loading")} />;
  const applicant = dossier.applicant as Record<string, string | null | undefined>;
  const next = dossier.steps.find((s) => s.order === (dossier.current_step ?? 0) + 1);
  return (
    <Page title={t("dossierTitle", { code: dossier.code })} back={<a class="back" href={deskPath()}>← {t("backToQueue")}</a>}>
      <p class="lede">{dossier.procedure_name}</p>
      {done && <Notice kind="success">{done}</Notice>}
      <div class="columns">
        <div>
          <h2>{t("summary")}</h2>
          <Facts
            rows={[
              [t("status"), <span data-testid="status">{statusLabel(dossier)}</span>],
              [t("step"), dossier.step_name ? t("stepOf", { n: dossier.current_step ?? 0, of: dossier.step_count, name: dossier.step_name }) : "—"],
              [t("holder"), dossier.steps.find((s) => s.order === dossier.current_step)?.agency_name ?? dossier.agency_name],
              [t("colChannel"), channelLabel(dossier.channel)],
              [t("submittedAt"), when(dossier.submitted_at, lang.value, true)],
              [t("colDue"), when(dossier.due_at, lang.value, true)],
              [t("colLeft"), <TimeLeft d={dossier} />],
              [t("appointment"), when(dossier.appointment_at, lang.value, true)],
            ]}
          />
          <h2>{t("applicant")}</h2>
          <Facts
            rows={[
              [t("name"), applicant.name ?? "—"],
              [t("cccd"), applicant.cccd ?? "—"],
              [t("phone"), applicant.phone ?? "—"],
              [t("email"), applicant.email ?? "—"],
              [t("address"), applicant.address ?? "—"],
            ]}
          />
          <h2>{t("formData")}</h2>
          {dossier.case_name && <p>{t("caseOf", { name: dossier.case_name })}</p>}
          <FormFields data={dossier.form_data} />
          <h2>{t("documents")}</h2>
          <Documents dossier={dossier} />
        </div>
        <div>
          <h2>{t("actions")}</h2>
          {gone ? (
            <p>{t("movedAway")}</p>
          ) : (
          <Act
            dossier={dossier}
            next={next ? `${next.name} — ${next.agency_name}` : null}
            onDone={(message) => {
              setDone(message);
              void load();
            }}
          />
          )}
          {dossier.supplement && (
            <>
              <h2>{t("supplementTitle")}</h2>
              <p>{dossier.supplement.reason}</p>
              <ul>
                {dossier.supplement.documents.map((c) => (
                  <li key={c}>{(dossier.documents_required as { code?: string; name?: string }[]).find((d) => d.code === c)?.name ?? c}</li>
                ))}
              </ul>
              {dossier.supplement.respond_by && <p>{t("respondBy", { d: when(dossier.supplement.respond_by, lang.value, true) })}</p>}
            </>
          )}
          <h2>{t("fees")}</h2>
          <Fees dossier={dossier} payments={payments} />
          <h2>{t("papers")}</h2>
          <Papers dossier={dossier} papers={papersOf(timeline)} />
          <h2>{t("timeline")}</h2>
          <ol class="timeline" data-testid="timeline">
            {timeline.map((item, i) => (
              <li key={i}>
                <time dateTime={item.at}>{when(item.at, lang.value, true)}</time>
                <strong>{actionLabel(item.action)}</strong>
                {item.actor_agency_code && <span class="hint"> · {item.actor_agency_code}</span>}
                {item.note && <p>{item.note}</p>}
              </li>
            ))}
          </ol>
        </div>
      </div>
    </Page>
  );
}
