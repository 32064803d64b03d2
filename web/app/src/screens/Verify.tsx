// Verifying a paper the platform issued, for anyone: the QR code of an e-receipt (/xac-thuc/bien-lai/{ref})
// or of a signed result's stamp (/xac-thuc/ket-qua/{ref}) lands here and shows what was issued under it; a
// copy in hand is checked by uploading it (its signature, and for a result its digest against the record).
import { useEffect, useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { api, multipart, problemText, type Schemas } from "@ui/api";
import { lang } from "@ui/i18n";
import { Badge, Facts, Loading, Notice, Page } from "@ui/kit";
import { vnd, when } from "@ui/text";
import { t, type Word } from "../strings";

type Issued =
  | { kind: "bien-lai"; record: Schemas["IssuedReceiptOut"] }
  | { kind: "ket-qua"; record: Schemas["IssuedResultOut"] };
type Verification = Schemas["VerificationOut"];

const VERDICTS: Record<Verification["verdict"], [Word, "good" | "warn" | "bad"]> = {
  valid: ["verdictValid", "good"],
  tampered: ["verdictTampered", "bad"],
  untrusted: ["verdictUntrusted", "warn"],
  unsigned: ["verdictUnsigned", "bad"],
};

async function issuedUnder(kind: string, reference: string): Promise<Issued | "unknown" | "failed"> {
  if (kind === "bien-lai") {
    const { data, response } = await api.GET("/api/v1/verify/{reference}", { params: { path: { reference } } });
    if (data) return { kind, record: data };
    return response.status === 404 ? "unknown" : "failed";
  }
  if (kind === "ket-qua") {
    const { data, response } = await api.GET("/api/v1/verify/results/{reference}", { params: { path: { reference } } });
    if (data) return { kind, record: data };
    return response.status === 404 ? "unknown" : "failed";
  }
  return "unknown";
}

function IssuedFacts({ issued }: { issued: Issued }) {
  const l = lang.value;
  if (issued.kind === "bien-lai") {
    const r = issued.record;
    return (
      <Facts
        rows={[
          [t("paperKind"), t("kindReceipt")],
          [t("issuer"), r.issuer],
          [t("paperNumber"), r.form_number ? `${r.number} (${t("receiptForm")} ${r.form_number})` : r.number],
          [t("issuedAt"), when(r.issued_at, l, true)],
          [t("dossierCode"), r.dossier_code],
          [t("payer"), r.payer],
          [t("amount"), `${vnd(r.amount, l)} (${r.amount_in_words})`],
          ...(r.refunded_amount ? [[t("refunded"), vnd(r.refunded_amount, l)] as [string, string]] : []),
        ]}
      />
    );
  }
  const r = issued.record;
  return (
    <Facts
      rows={[
        [t("paperKind"), r.result_name ? `${t("kindResult")}: ${r.result_name}` : t("kindResult")],
        [t("issuer"), r.issuer],
        [t("paperNumber"), r.reference],
        [t("issuedAt"), when(r.issued_at, l, true)],
        [t("dossierCode"), r.dossier_code],
        [t("fileName"), r.filename],
      ]}
    />
  );
}

export function Verify() {
  const { params } = useRoute();
  const kind = params.kind ?? "";
  const reference = params.ref ?? "";
  const [issued, setIssued] = useState<Issued | "unknown" | "failed" | null>(null);
  const [checked, setChecked] = useState<Verification | null>(null);
  const [refused, setRefused] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setIssued(null);
    if (reference) void issuedUnder(kind, reference).then(setIssued, () => setIssued("failed"));
  }, [kind, reference]);

  const check = async (file: File) => {
    setBusy(true);
    setChecked(null);
    setRefused(null);
    try {
      const { data, error } = await api.POST("/api/v1/verify", {
        body: { file: file.name },
        bodySerializer: () => multipart({ file }),
      });
      if (data) setChecked(data);
      else setRefused(problemText(error, t("failed")));
    } catch {
      setRefused(t("failed"));
    } finally {
      setBusy(false);
    }
  };

  const record = issued !== null && typeof issued === "object" ? issued : null;
  // A result's record holds the digest of the file the platform signed: a copy must be that very file.
  const sameFile = record?.kind === "ket-qua" && checked ? checked.sha256 === record.record.sha256 : null;
  const verdict = checked ? VERDICTS[checked.verdict] : null;

  return (
    <Page title={t("verifyTitle")}>
      {reference && issued === null && <Loading label={t("loading")} />}
      {issued === "unknown" && (
        <section data-testid="verify-record">
          <Notice kind="error">
            <strong>{t("paperUnknown")}</strong> {t("paperUnknownHint", { ref: reference })}
          </Notice>
        </section>
      )}
      {issued === "failed" && <Notice kind="error">{t("failed")}</Notice>}
      {record && (
        <section aria-live="polite" data-testid="verify-record">
          <Notice kind="success">
            <strong>{t("paperIssued")}</strong> {t("paperIssuedHint")}
          </Notice>
          <IssuedFacts issued={record} />
        </section>
      )}
      <section aria-labelledby="verify-copy">
        <h2 id="verify-copy">{t("verifyCopy")}</h2>
        <p>{t("verifyCopyHint")}</p>
        <div class="field">
          <label for="verify-file">{t("verifyFile")}</label>
          <input
            id="verify-file"
            type="file"
            accept="application/pdf,.pdf"
            disabled={busy}
            onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              if (file) void check(file);
            }}
          />
        </div>
        {busy && <Loading label={t("verifying")} />}
        {refused && <Notice kind="error">{refused}</Notice>}
        {checked && verdict && (
          <div aria-live="polite" data-testid="verify-verdict">
            <p>
              <Badge tone={verdict[1]}>{t(verdict[0])}</Badge>
            </p>
            <Notice kind={checked.verdict === "valid" && sameFile !== false ? "success" : "error"}>
              {lang.value === "vi" ? checked.summary : t(`${verdict[0]}Hint` as Word)}
              {sameFile === false && ` ${t("notTheIssuedFile")}`}
            </Notice>
            {checked.signer && (
              <Facts
                rows={[
                  [t("signer"), checked.signer.name ?? "—"],
                  [t("signedAt"), when(checked.signed_at, lang.value, true)],
                  ...(checked.paper?.reference ? [[t("paperNumber"), checked.paper.reference] as [string, string]] : []),
                  ...(checked.paper?.dossier_code ? [[t("dossierCode"), checked.paper.dossier_code] as [string, string]] : []),
                ]}
              />
            )}
          </div>
        )}
      </section>
    </Page>
  );
}
