import { LocationProvider, Route, Router, useLocation } from "preact-iso";
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { FocusOnRoute, LanguageToggle } from "@ui/shell";
import { session, signOut } from "@ui/api";
import { Button, Notice, Page } from "@ui/kit";
import { agencyName } from "./agency";
import { live } from "./live";
import { SCREENS, deskPath, type DeskScreen, type Role, type ScreenProps } from "./screens";
import { SignIn } from "./screens/SignIn";
import { t } from "./strings";

/** The signed-in account's role when it is staff, else null. */
export function staffRole(): Role | null {
  const role = session.value?.me.role;
  return role === "officer" || role === "admin" ? role : null;
}

function Nav() {
  const { path } = useLocation();
  const role = staffRole();
  if (!role) return null;
  const items = SCREENS.filter((s) => s.nav && s.roles.includes(role));
  // The router's path may come without the mount's trailing slash ("/desk").
  const here = path.endsWith("/") ? path : `${path}/`;
  const current = (s: DeskScreen): boolean =>
    s.path === "" ? here === deskPath() || here.startsWith(deskPath("ho-so/")) : here.startsWith(deskPath(s.path));
  return (
    <nav class="desk-nav" aria-label={t("mainNav")}>
      <ul>
        {items.map((s) => (
          <li key={s.path}>
            <a href={deskPath(s.path)} aria-current={current(s) ? "page" : undefined}>
              {t(s.nav!)}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function TopBar() {
  const { route } = useLocation();
  const me = session.value?.me;
  return (
    <header class="topbar">
      <a class="brand" href={deskPath()}>
        <img src={deskPath("icons/icon.svg")} alt="" width={28} height={28} />
        {t("appName")}
      </a>
      {me && (
        <p class="who" data-testid="who">
          <span>{me.display_name ?? me.username}</span>
          <span class="agency">{me.role === "admin" ? t("roleAdmin") : (agencyName.value ?? me.agency_code ?? t("roleOfficer"))}</span>
        </p>
      )}
      {me && (
        <span class={`live ${live.value ? "on" : "off"}`} role="status">
          <span class="visually-hidden">{live.value ? t("live") : t("notLive")}</span>
        </span>
      )}
      <LanguageToggle text={t("langToggle")} label={t("langToggleLabel")} />
      {me && (
        <Button kind="quiet" onClick={() => void signOut().then(() => route(deskPath("dang-nhap")))}>
          {t("signOut")}
        </Button>
      )}
    </header>
  );
}

/** A screen for ``roles`` only: nobody signed in goes to sign in (and back afterwards), another role is told. */
function Guarded({ screen, params }: { screen: DeskScreen } & ScreenProps) {
  const { url, route } = useLocation();
  const role = staffRole();
  useEffect(() => {
    if (!session.value) route(`${deskPath("dang-nhap")}?next=${encodeURIComponent(url)}`, true);
  }, [session.value]);
  if (!session.value) return null;
  if (!role || !screen.roles.includes(role)) {
    return (
      <Page title={t("appName")}>
        <Notice kind="error">{t("notAllowed")}</Notice>
      </Page>
    );
  }
  const Screen = screen.component;
  return <Screen params={params} />;
}

/** Each screen behind its guard, made once (a component made on every render would remount each time). */
const ROUTES = SCREENS.map((screen) => ({
  screen,
  component: ({ params }: ScreenProps) => <Guarded screen={screen} params={params} />,
}));

function Frame({ children }: { children: ComponentChildren }) {
  return (
    <div class="desk">
      <Nav />
      <main id="main">{children}</main>
    </div>
  );
}

export function App() {
  return (
    <LocationProvider>
      <a class="skip button secondary" href="#main">
        {t("skip")}
      </a>
      <TopBar />
      <FocusOnRoute />
      <Frame>
        <Router>
          <Route path={deskPath("dang-nhap")} component={SignIn} />
          {ROUTES.map(({ screen, component }) => (
            <Route key={screen.path} path={deskPath(screen.path)} component={component} />
          ))}
          <Route default component={ROUTES[0]!.component} />
        </Router>
      </Frame>
    </LocationProvider>
  );
}
