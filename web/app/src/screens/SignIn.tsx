import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { adopt, api, problemText, session } from "@ui/api";
import { Button, Notice, Page, TextField } from "@ui/kit";
import { normalisePhone } from "@ui/text";
import { t } from "../strings";

/** Where to go after signing in: only a path of this app, never another site. */
function nextPath(): string {
  const next = new URLSearchParams(location.search).get("next") ?? "/ho-so";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/ho-so";
}

export function SignIn() {
  const { route } = useLocation();
  const [phone, setPhone] = useState("");
  const [challenge, setChallenge] = useState<string | null>(null);
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const ask = async (event: Event) => {
    event.preventDefault();
    const typed = normalisePhone(phone);
    if (!typed) return setError(t("phoneInvalid"));
    setBusy(true);
    setError(null);
    const { data, error: problem } = await api.POST("/api/v1/auth/otp", { body: { phone: typed } });
    setBusy(false);
    if (data) setChallenge(data.challenge_id);
    else setError(problemText(problem, t("failed")));
  };

  const verify = async (event: Event) => {
    event.preventDefault();
    if (!challenge) return;
    setBusy(true);
    setError(null);
    const { data } = await api.POST("/api/v1/auth/token", {
      body: { grant_type: "otp", challenge_id: challenge, code: code.trim() },
    });
    if (!data) {
      setBusy(false);
      return setError(t("codeInvalid"));
    }
    await adopt(data);
    setBusy(false);
    route(nextPath());
  };

  if (session.value && !challenge) {
    return (
      <Page title={t("signInTitle")}>
        <Notice kind="success">{t("signedInAs", { who: session.value.me.phone ?? session.value.me.subject })}</Notice>
      </Page>
    );
  }
  return (
    <Page title={t("signInTitle")}>
      {!challenge ? (
        <form onSubmit={ask} noValidate>
          <TextField
            label={t("phone")}
            hint={t("phoneHint")}
            error={error}
            type="tel"
            inputMode="tel"
            autoComplete="tel"
            name="phone"
            value={phone}
            onInput={(e) => setPhone(e.currentTarget.value)}
          />
          <Button type="submit" busy={busy}>
            {t("sendCode")}
          </Button>
        </form>
      ) : (
        <form onSubmit={verify} noValidate>
          <TextField
            label={t("code")}
            hint={t("codeHint", { phone })}
            error={error}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={6}
            name="code"
            value={code}
            onInput={(e) => setCode(e.currentTarget.value)}
          />
          <div class="actions">
            <Button type="submit" busy={busy}>
              {t("signIn")}
            </Button>
            <Button
              type="button"
              kind="quiet"
              onClick={() => {
                setChallenge(null);
                setCode("");
                setError(null);
              }}
            >
              {t("otherPhone")}
            </Button>
          </div>
        </form>
      )}
    </Page>
  );
}
