import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { adopt, api, session, signOut } from "@ui/api";
import { Button, Notice, Page, TextField } from "@ui/kit";
import { deskPath } from "../screens";
import { t } from "../strings";

/** Where to go after signing in: only a path of the desk, never another site. */
function nextPath(): string {
  const next = new URLSearchParams(location.search).get("next") ?? "";
  return next.startsWith(deskPath()) ? next : deskPath();
}

export function SignIn() {
  const { route } = useLocation();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const { data } = await api.POST("/api/v1/auth/login", { body: { username: username.trim(), password } });
    if (!data) {
      setBusy(false);
      return setError(t("signInFailed"));
    }
    await adopt(data);
    setBusy(false);
    if (!["officer", "admin"].includes(session.value?.me.role ?? "")) {
      await signOut();
      return setError(t("staffOnly"));
    }
    route(nextPath());
  };

  return (
    <Page title={t("signInTitle")}>
      <p>{t("signInIntro")}</p>
      {error && <Notice kind="error">{error}</Notice>}
      <form onSubmit={submit} class="narrow">
        <TextField
          label={t("username")}
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellcheck={false}
          required
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
        <TextField
          label={t("password")}
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <Button type="submit" busy={busy}>
          {t("signIn")}
        </Button>
      </form>
    </Page>
  );
}
