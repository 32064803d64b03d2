import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Schemas } from "@ui/api";
import { lang } from "@ui/i18n";
import { Badge, Button, Facts, Notice, Page, TextField } from "@ui/kit";
import { when } from "@ui/text";
import { t } from "../strings";
import { parseLookupQr } from "../qr";
import { statusLabel } from "@ui/status";

interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}
declare global {
  interface Window {
    BarcodeDetector?: new (options: { formats: string[] }) => Detector;
  }
}

function Scanner({ onFound, onStop }: { onFound: (code: string, proof: string) => void; onStop: () => void }) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    let stream: MediaStream | null = null;
    let timer = 0;
    const detector = new window.BarcodeDetector!({ formats: ["qr_code"] });
    void navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then((s) => {
      stream = s;
      if (!video.current) return;
      video.current.srcObject = s;
      void video.current.play();
      timer = window.setInterval(async () => {
        if (!video.current) return;
        for (const found of await detector.detect(video.current).catch(() => [])) {
          const parsed = parseLookupQr(found.rawValue);
          if (parsed) onFound(parsed.code, parsed.proof);
        }
      }, 400);
    }, onStop);
    return () => {
      clearInterval(timer);
      stream?.getTracks().forEach((track) => track.stop());
    };
  }, []);
  return (
    <div>
      <video ref={video} class="scanner" muted playsInline aria-label={t("scan")} />
      <Button kind="secondary" onClick={onStop}>
        {t("scanStop")}
      </Button>
    </div>
  );
}

export function Lookup() {
  const given = new URLSearchParams(location.search);
  const [code, setCode] = useState(given.get("code") ?? "");
  const [proof, setProof] = useState(given.get("proof") ?? "");
  const [found, setFound] = useState<Schemas["LookupOut"] | null>(null);
  const [missing, setMissing] = useState(false);
  const [scanning, setScanning] = useState(false);
  const canScan = typeof window !== "undefined" && "BarcodeDetector" in window && !!navigator.mediaDevices;

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
          {canScan && !scanning && (
            <Button type="button" kind="secondary" onClick={() => setScanning(true)}>
              {t("scan")}
            </Button>
          )}
        </div>
      </form>
      {scanning && (
        <Scanner
          onStop={() => setScanning(false)}
          onFound={(c, p) => {
            setScanning(false);
            setCode(c);
            setProof(p);
            void look(c, p);
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
