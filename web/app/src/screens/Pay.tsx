import { useEffect, useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { api, fileUrl, problemText, saveFile, type Schemas } from "@ui/api";
import { lang } from "@ui/i18n";
import { Button, Facts, LinkButton, Loading, Notice, Page } from "@ui/kit";
import { onceKey, vnd } from "@ui/text";
import { SignedIn } from "../App";
import { bankAppLinks } from "../bankapps";
import { latest } from "../live";
import { t } from "../strings";

type Payment = Schemas["PaymentOut"];

function saveReceipt(payment: Payment): Promise<void> {
  const path = `/api/v1/payments/${encodeURIComponent(payment.id)}/receipt.pdf`;
  return saveFile(path, `bien-lai-${payment.receipt_number ?? payment.id}.pdf`);
}

function QrCode({ qr, code }: { qr: Schemas["VietQrOut"]; code: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let url: string | null = null;
    void fileUrl(qr.png_url).then((u) => setSrc((url = u)));
    return () => url && URL.revokeObjectURL(url);
  }, [qr.png_url]);
  // The bank app brings the citizen back to this screen, which is already waiting for the bank's confirmation.
  const apps = bankAppLinks(qr, `${location.origin}/thanh-toan/${encodeURIComponent(code)}`);
  return (
    <div class="card">
      {src && <img class="qr" src={src} alt={t("qrAlt", { amount: vnd(qr.amount, lang.value), ref: qr.reference })} />}
      <Facts
        rows={[
          [t("amount"), <strong>{vnd(qr.amount, lang.value)}</strong>],
          [t("transferReference"), <code data-testid="reference">{qr.reference}</code>],
          [t("account"), `${qr.account_number} · ${qr.account_name} · ${qr.bank_name}`],
        ]}
      />
      {apps.length > 0 && (
        <>
          <p>{t("bankApps")}</p>
          <div class="actions" data-testid="bank-apps">
            {apps.map((a) => (
              <LinkButton key={a.name} kind="secondary" href={a.href}>
                {a.name}
              </LinkButton>
            ))}
          </div>
        </>
      )}
    </div>
  );
}

function Checkout({ code }: { code: string }) {
  const [payments, setPayments] = useState<Payment[] | null>(null);
  const [qr, setQr] = useState<Schemas["VietQrOut"] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const load = () =>
    api
      .GET("/api/v1/payments", { params: { query: { dossier_code: code } } })
      .then(({ data }) => data && setPayments(data.items));
  useEffect(() => void load(), [code, latest.value]);
  const pending = payments?.find((p) => p.status === "pending");
  useEffect(() => {
    if (!pending) return;
    // The bank's confirmation arrives on its own; look again every few seconds until it has.
    const timer = setInterval(() => void load(), 3000);
    return () => clearInterval(timer);
  }, [pending?.id]);

  const pay = async (method: Schemas["PaymentMethod"]) => {
    if (!pending) return;
    setBusy(true);
    setError(null);
    const { data, error: problem } = await api.POST("/api/v1/payments", {
      params: { header: { "Idempotency-Key": onceKey("pay") } },
      body: { payment_id: pending.id, method },
    });
    setBusy(false);
    if (!data) return setError(problemText(problem, t("failed")));
    if (data.gateway) location.assign(data.gateway.redirect_url);
    else if (data.vietqr) setQr(data.vietqr);
  };

  if (!payments) return <Loading label={t("loading")} />;
  const done = payments.filter((p) => p.status === "succeeded" || p.status === "refunded");
  return (
    <Page title={t("payTitle", { code })}>
      {done.map((p) => (
        <div key={p.id}>
          <Notice kind="success">{t("paid", { n: p.receipt_number ?? "" })}</Notice>
          <Button kind="secondary" onClick={() => void saveReceipt(p)}>
            {t("receipt")}
          </Button>
        </div>
      ))}
      {!pending && done.length === 0 && <p>{t("nothingToPay")}</p>}
      {pending && (
        <>
          <Facts
            rows={[
              [t("amount"), <strong>{vnd(pending.amount, lang.value)}</strong>],
              ...pending.items.map((i) => [i.name, vnd(i.amount, lang.value)] as [string, string]),
              [t("agency"), pending.agency_name],
            ]}
          />
          <div class="actions">
            <Button busy={busy} onClick={() => void pay("vietqr")}>
              {t("payQr")}
            </Button>
            <Button kind="secondary" busy={busy} onClick={() => void pay("gateway")}>
              {t("payCard")}
            </Button>
          </div>
          {qr && <QrCode qr={qr} code={code} />}
          {qr && <p role="status">{t("waiting")}</p>}
        </>
      )}
      {error && <Notice kind="error">{error}</Notice>}
    </Page>
  );
}

export function Pay() {
  const { params } = useRoute();
  return (
    <SignedIn>
      <Checkout code={params.code ?? ""} />
    </SignedIn>
  );
}
