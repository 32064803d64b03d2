import { useLocation } from "preact-iso";
import { session, signOut } from "@ui/api";
import { Button, LinkButton, Page } from "@ui/kit";
import { t } from "../strings";

export function Account() {
  const { route } = useLocation();
  const me = session.value?.me;
  return (
    <Page title={t("accountTitle")}>
      {me ? (
        <>
          <p>{t("signedInAs", { who: me.phone ?? me.display_name ?? me.subject })}</p>
          <Button kind="secondary" onClick={() => void signOut().then(() => route("/"))}>
            {t("signOut")}
          </Button>
        </>
      ) : (
        <>
          <p>{t("needSignIn")}</p>
          <LinkButton href="/dang-nhap">{t("signInCta")}</LinkButton>
        </>
      )}
    </Page>
  );
}
