// Money awaiting the agency's decision: the slips of manual bank transfers, to check against the statement and
// confirm or reject; the refunds the platform proposed when a paid dossier was refused or withdrawn.
import { useEffect, useState } from "preact/hooks";
import { api, problemText, type Schemas } from "@ui/api";
import { lang } from "@ui/i18n";
import { Button, Facts, Loading, Notice, Page, TextField } from "@ui/kit";
import { vnd, when } from "@ui/text";
import { Preview } from "../files";
import { changed } from "../live";
import { deskPath } from "../screens";
import { t } from "../strings";

type Payment = Schemas["PaymentOut"];

async function slipBlob(payment: string, slip: string): Promise<Blob> {
  const { data } = await api.GET("/api/v1/payments/{payment_id}/slips/{slip_id}", {
    params: { path: { payment_id: payment, slip_id: slip } },
    parseAs: "blob",
  });
  if (!data) throw new Error("slip");
  return data;
}

function SlipDecision({ payment, onDone }: { payment: Payment; onDone: (message: string) => void }) {
  const slip = payment.slips.find((s) => s.status === "submitted");
  const [bankTxn, setBankTxn] = useState("");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!slip) return null;
  const confirm = async () => {
    setBusy(true);
    const { data, error: problem } = await api.POST("/api/v1/payments/{payment_id}/slips/confirm", {
      params: { path: { payment_id: payment.id } },
      body: { bank_txn_id: bankTxn.trim() || null },
    });
    setBusy(false);
    if (data) onDone(t("slipConfirmed", { ref: payment.reference }));
    else setError(problemText(problem, t("failed")));
  };
  const reject = async () => {
    if (reason.trim().length < 3) return setError(t("slipReasonNeeded"));
    setBusy(true);
    const { data, error: problem } = await api.POST("/api/v1/payments/{payment_id}/slips/reject", {
      params: { path: { payment_id: payment.id } },
      body: { reason: reason.trim() },
    });
    setBusy(false);
    if (data) onDone(t("slipRejected", { ref: payment.reference }));
    else setError(problemText(problem, t("failed")));
  };
  return (
    <article class="card" data-testid={`slip-${payment.dossier_code}`} aria-labelledby={`slip-${payment.id}`}>
      <h3 id={`slip-${payment.id}`}>
        <a href={deskPath(`ho-so/${encodeURIComponent(payment.dossier_code)}`)}>{payment.dossier_code}</a> — {payment.procedure_name}
      </h3>
      <div class="columns">
        <div>
          <Facts
            rows={[
              [t("slipPayer"), payment.payer.name ?? "—"],
              [t("amount"), <strong>{vnd(payment.amount, lang.value)}</strong>],
              [t("transferReference"), <code>{payment.reference}</code>],
              [t("slipUploaded"), when(slip.uploaded_at, lang.value, true)],
            ]}
          />
          <TextField label={t("slipBankTxn")} hint={t("slipBankTxnHint")} value={bankTxn} onInput={(e) => setBankTxn(e.currentTarget.value)} />
          <TextField label={t("slipReason")} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          {error && <Notice kind="error">{error}</Notice>}
          <div class="actions">
            <Button busy={busy} onClick={() => void confirm()}>
              {t("slipConfirm")}
            </Button>
            <Button kind="secondary" busy={busy} onClick={() => void reject()}>
              {t("slipReject")}
            </Button>
          </div>
        </div>
        <Preview title={t("slipFile", { name: slip.filename })} name={slip.filename} load={() => slipBlob(payment.id, slip.id)} />
      </div>
    </article>
  );
}

function RefundDecision({ payment, onDone }: { payment: Payment; onDone: (message: string) => void }) {
  const proposal = payment.refunds.find((r) => r.status === "proposed");
  const [amount, setAmount] = useState("");
  const [note, setNote] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!proposal) return null;
  const decide = async (action: "approve" | "decline") => {
    if (note.trim().length < 3) return setError(t("refundNoteNeeded"));
    setBusy(true);
    const { data, error: problem } = await api.POST("/api/v1/payments/{payment_id}/refunds/{refund_id}/decision", {
      params: { path: { payment_id: payment.id, refund_id: proposal.id } },
      body: { action, note: note.trim(), amount: action === "approve" && amount ? Number(amount) : null },
    });
    setBusy(false);
    if (data) onDone(t(action === "approve" ? "refundApproved" : "refundDeclined", { ref: payment.reference }));
    else setError(problemText(problem, t("failed")));
  };
  return (
    <article class="card" data-testid={`refund-${payment.dossier_code}`} aria-labelledby={`refund-${payment.id}`}>
      <h3 id={`refund-${payment.id}`}>
        <a href={deskPath(`ho-so/${encodeURIComponent(payment.dossier_code)}`)}>{payment.dossier_code}</a> — {payment.procedure_name}
      </h3>
      <Facts
        rows={[
          [t("slipPayer"), payment.payer.name ?? "—"],
          [t("refundPaid"), vnd(payment.amount, lang.value)],
          [t("refundProposed"), <strong>{vnd(proposal.amount, lang.value)}</strong>],
          [t("reason"), proposal.reason],
        ]}
      />
      <TextField
        label={t("refundAmount")}
        hint={t("refundAmountHint")}
        type="number"
        inputMode="numeric"
        min={1}
        max={proposal.amount}
        value={amount}
        onInput={(e) => setAmount(e.currentTarget.value)}
      />
      <TextField label={t("refundNote")} required value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      {error && <Notice kind="error">{error}</Notice>}
      <div class="actions">
        <Button busy={busy} onClick={() => void decide("approve")}>
          {t("refundApprove")}
        </Button>
        <Button kind="secondary" busy={busy} onClick={() => void decide("decline")}>
          {t("refundDecline")}
        </Button>
      </div>
    </article>
  );
}

/** The agency's payments awaiting ``what`` (the API's filter), reloaded on every live notification. */
function useAwaiting(what: "slip" | "refund"): [Payment[] | null, boolean, () => Promise<void>] {
  const [items, setItems] = useState<Payment[] | null>(null);
  const [failed, setFailed] = useState(false);
  const load = async () => {
    const { data } = await api
      .GET("/api/v1/payments", { params: { query: { awaiting: what, limit: 50 } } })
      .catch(() => ({ data: undefined }));
    if (!data) return setFailed(true);
    // Each listed payment carries its slips and refunds: the decision is made from the list.
    setFailed(false);
    setItems(data.items);
  };
  useEffect(() => {
    void load();
  }, [changed.value]);
  return [items, failed, load];
}

export function Payments() {
  const [slips, slipsFailed, reloadSlips] = useAwaiting("slip");
  const [refunds, refundsFailed, reloadRefunds] = useAwaiting("refund");
  const [done, setDone] = useState<string | null>(null);
  const decided = (message: string) => {
    setDone(message);
    void reloadSlips();
    void reloadRefunds();
  };
  return (
    <Page title={t("paymentsTitle")}>
      <p>{t("paymentsIntro")}</p>
      {done && <Notice kind="success">{done}</Notice>}
      {(slipsFailed || refundsFailed) && <Notice kind="error">{t("failed")}</Notice>}
      <h2>{t("slipsTitle")}</h2>
      {!slips ? (
        <Loading label={t("loading")} />
      ) : (
        <>
          <p data-testid="slip-count">{t("slipCount", { n: slips.length })}</p>
          {slips.map((p) => (
            <SlipDecision key={p.id} payment={p} onDone={decided} />
          ))}
        </>
      )}
      <h2>{t("refundsTitle")}</h2>
      {!refunds ? (
        <Loading label={t("loading")} />
      ) : (
        <>
          <p data-testid="refund-count">{t("refundCount", { n: refunds.length })}</p>
          {refunds.map((p) => (
            <RefundDecision key={p.id} payment={p} onDone={decided} />
          ))}
        </>
      )}
    </Page>
  );
}
