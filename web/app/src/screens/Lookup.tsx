import { useEffect, useState } from "preact/hooks";
import { api, type Schemas } from "@ui/api";
import { lang } from "@ui/i18n";
import { Badge, Button, Facts, Notice, Page, TextField } from "@ui/kit";
import { when } from "@ui/text";
import { t } from "../strings";
import { parseLookupQr } from "@ui/qr";
import { QrScanner, canScan } from "@ui/scanner";
import { statusLabel } from "@ui/status";

export function Lookup() {
  const given = new URLSearchParams(location.search);
  const [code, setCode] = useState(given.get("code") ?? "");
  const [proof, setProof] = useState(given.get("proof") ?? "");
  const [found, setFound] = useState<Schemas["LookupOut"] | null>(null);
  const [missing, setMissing] = useState(false);
  const [scanning, setScanning] = useState(false);

  const look = async (c = code, p = proof) => {
    setMissing(false);
    setFound(null);
    const { data } = await api.GET("/api/v1/lookup/{code}", { params: { path: { code: c.trim() }, query: { proof: p.trim() } } });
    if (data) setFound(data);
    else setMissing(true);
  };
  useEffect(() => {
    if (given.get("code") && given.get("proof")) void look();
  }, []);

  return (
    <Page title={t("lookupTitle")}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void look();
        }}
      >
        <TextField label={t("dossierCode")} name="code" autoComplete="off" value={code} onInput={(e) => setCode(e.currentTarget.value)} />
        <TextField label={t("proof")} name="proof" autoComplete="off" value={proof} onInput={(e) => setProof(e.currentTarget.value)} />
        <div class="actions">
          <Button type="submit">{t("lookUp")}</Button>
          {canScan() && !scanning && (
            <Button type="button" kind="secondary" onClick={() => setScanning(true)}>
              {t("scan")}
            </Button>
          )}
        </div>
      </form>
      {scanning && (
        <QrScanner
          label={t("scan")}
          stopLabel={t("scanStop")}
          onStop={() => setScanning(false)}
          onFound={(raw) => {
            const parsed = parseLookupQr(raw);
            if (!parsed) return false;
            setScanning(false);
            setCode(parsed.code);
            setProof(parsed.proof);
            void look(parsed.code, parsed.proof);
            return true;
          }}
        />
      )}
      {missing && <Notice kind="error">{t("notFound")}</Notice>}
      {found && (
        <section aria-live="polite" data-testid="lookup-result">
          <h2>{found.procedure_name}</h2>
          <Facts
            rows={[
              [t("dossierCode"), found.code],
              [t("status"), <Badge tone="good">{statusLabel(found)}</Badge>],
              ...(found.step_name ? [[t("step", { n: found.step_order ?? 0, of: found.step_count, name: "" }), `${found.step_name}${found.step_agency_name ? ` — ${found.step_agency_name}` : ""}`] as [string, string]] : []),
              [t("agency"), found.agency_name],
              [t("submittedAt"), when(found.submitted_at, lang.value)],
              [t("due"), when(found.appointment_at, lang.value)],
            ]}
          />
          {found.fee_outstanding && <Notice kind="info">{t("feeOutstanding")}</Notice>}
        </section>
      )}
    </Page>
  );
}
