import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { api, problemText, session, signOut, type Schemas } from "@ui/api";
import { Button, LinkButton, Notice, Page, TextField } from "@ui/kit";
import { subscribeToPush, type PushOutcome } from "../push";
import { t, type Word } from "../strings";

const PUSH_WORDS: Record<PushOutcome, Word> = {
  subscribed: "pushDone",
  unsupported: "pushUnsupported",
  denied: "pushDenied",
  failed: "failed",
};

function Preferences() {
  const [prefs, setPrefs] = useState<Schemas["PreferencesOut"] | null>(null);
  const [quiet, setQuiet] = useState<Schemas["QuietHours"]>({ start: "22:00", end: "07:00" });
  const [message, setMessage] = useState<{ kind: "success" | "error" | "info"; text: string } | null>(null);
  useEffect(() => {
    void api.GET("/api/v1/me/preferences").then(({ data }) => {
      if (!data) return;
      setPrefs(data);
      if (data.quiet_hours) setQuiet(data.quiet_hours);
    });
  }, []);
  if (!prefs) return null;
  const channel = (name: "sms" | "email" | "push", label: string) => (
    <label key={name}>
      <input
        type="checkbox"
        name={name}
        checked={prefs.channels[name]}
        onChange={(e) => setPrefs({ ...prefs, channels: { ...prefs.channels, [name]: e.currentTarget.checked } })}
      />
      {label}
    </label>
  );
  const save = async (event: Event) => {
    event.preventDefault();
    const { data, error } = await api.PUT("/api/v1/me/preferences", {
      body: {
        channels: { sms: prefs.channels.sms, email: prefs.channels.email, push: prefs.channels.push, in_app: true },
        quiet_hours: prefs.quiet_hours ? quiet : null,
      },
    });
    if (data) setPrefs(data);
    setMessage(data ? { kind: "success", text: t("prefsSaved") } : { kind: "error", text: problemText(error, t("failed")) });
  };
  return (
    <form onSubmit={save} aria-labelledby="prefs-title">
      <h2 id="prefs-title">{t("prefsTitle")}</h2>
      <fieldset class="choices">
        <legend class="visually-hidden">{t("prefsTitle")}</legend>
        {channel("sms", t("prefsSms"))}
        {channel("email", t("prefsEmail"))}
        {channel("push", t("prefsPush"))}
        <label>
          <input
            type="checkbox"
            name="quiet"
            checked={prefs.quiet_hours !== null}
            onChange={(e) => setPrefs({ ...prefs, quiet_hours: e.currentTarget.checked ? quiet : null })}
          />
          {t("prefsQuiet")}
        </label>
      </fieldset>
      {prefs.quiet_hours !== null && (
        <div class="filters">
          <TextField label={t("quietFrom")} type="time" name="quiet-start" value={quiet.start} onInput={(e) => setQuiet({ ...quiet, start: e.currentTarget.value })} />
          <TextField label={t("quietTo")} type="time" name="quiet-end" value={quiet.end} onInput={(e) => setQuiet({ ...quiet, end: e.currentTarget.value })} />
        </div>
      )}
      <p class="hint">{t("prefsAlways")}</p>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      <div class="actions">
        <Button type="submit">{t("prefsSave")}</Button>
        <Button type="button" kind="secondary" onClick={() => void subscribeToPush().then((o) => setMessage({ kind: o === "subscribed" ? "success" : "info", text: t(PUSH_WORDS[o]) }))}>
          {t("pushOn")}
        </Button>
      </div>
    </form>
  );
}

export function Account() {
  const { route } = useLocation();
  const me = session.value?.me;
  return (
    <Page title={t("accountTitle")}>
      {me ? (
        <>
          <p>{t("signedInAs", { who: me.phone ?? me.display_name ?? me.subject })}</p>
          <Preferences />
          <h2>{t("signOut")}</h2>
          <Button kind="secondary" onClick={() => void signOut().then(() => route("/"))}>
            {t("signOut")}
          </Button>
        </>
      ) : (
        <>
          <p>{t("needSignIn")}</p>
          <LinkButton href="/dang-nhap">{t("signIn")}</LinkButton>
        </>
      )}
    </Page>
  );
}
