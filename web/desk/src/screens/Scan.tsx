// Open a dossier from a paper: its QR code through the camera where the browser reads QR codes, or its code typed.
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { Button, Notice, Page, TextField } from "@ui/kit";
import { parseLookupQr } from "@ui/qr";
import { QrScanner, canScan } from "@ui/scanner";
import { deskPath } from "../screens";
import { t } from "../strings";

/** The dossier code a paper's QR or a typed text names: the look-up link's code, or the text itself. */
export function dossierCodeIn(text: string): string | null {
  const raw = text.trim();
  const fromLink = parseLookupQr(raw);
  if (fromLink) return fromLink.code;
  return /^[\w.-]+-\d{6}-\d{4,}$/.test(raw) ? raw : null;
}

export function Scan() {
  const { route } = useLocation();
  const [typed, setTyped] = useState("");
  const [scanning, setScanning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const open = (text: string): boolean => {
    const code = dossierCodeIn(text);
    if (!code) {
      setError(t("scanUnknown"));
      return false;
    }
    route(deskPath(`ho-so/${encodeURIComponent(code)}`));
    return true;
  };
  return (
    <Page title={t("scanTitle")}>
      <p>{t("scanIntro")}</p>
      {canScan() ? (
        scanning ? (
          <QrScanner label={t("scanCamera")} stopLabel={t("scanStop")} onStop={() => setScanning(false)} onFound={open} />
        ) : (
          <div class="actions">
            <Button onClick={() => setScanning(true)}>{t("scanCamera")}</Button>
          </div>
        )
      ) : (
        <p class="hint">{t("scanNoCamera")}</p>
      )}
      <form
        class="narrow"
        onSubmit={(e) => {
          e.preventDefault();
          open(typed);
        }}
      >
        <TextField
          label={t("scanTyped")}
          hint={t("scanTypedHint")}
          autoComplete="off"
          spellcheck={false}
          value={typed}
          error={error}
          onInput={(e) => {
            setTyped(e.currentTarget.value);
            setError(null);
          }}
        />
        <Button type="submit">{t("scanOpen")}</Button>
      </form>
      {error && !typed && <Notice kind="error">{error}</Notice>}
    </Page>
  );
}
