import { signal } from "@preact/signals";
import { LocationProvider, Route, Router, lazy, useLocation } from "preact-iso";
import { registerSW } from "virtual:pwa-register";
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { FocusOnRoute, LanguageToggle } from "@ui/shell";
import { session } from "@ui/api";
import { Button } from "@ui/kit";
import { t } from "./strings";
import { unread } from "./live";
import { Home } from "./screens/Home";

// Every screen but the first is loaded when first opened: the home screen's JavaScript stays small.
const Procedure = lazy(() => import("./screens/Procedure").then((m) => m.Procedure));
const SignIn = lazy(() => import("./screens/SignIn").then((m) => m.SignIn));
const FileDossier = lazy(() => import("./screens/FileDossier").then((m) => m.FileDossier));
const Dossiers = lazy(() => import("./screens/Dossiers").then((m) => m.Dossiers));
const Dossier = lazy(() => import("./screens/Dossier").then((m) => m.Dossier));
const Pay = lazy(() => import("./screens/Pay").then((m) => m.Pay));
const Inbox = lazy(() => import("./screens/Inbox").then((m) => m.Inbox));
const Lookup = lazy(() => import("./screens/Lookup").then((m) => m.Lookup));
const Account = lazy(() => import("./screens/Account").then((m) => m.Account));
const Verify = lazy(() => import("./screens/Verify").then((m) => m.Verify));

const updateReady = signal<null | (() => void)>(null);
const applyUpdate = registerSW({
  onNeedRefresh: () => (updateReady.value = () => void applyUpdate(true)),
});

const icons: Record<string, string> = {
  search: "M10 2a8 8 0 1 0 4.9 14.3l5.4 5.4 1.4-1.4-5.4-5.4A8 8 0 0 0 10 2zm0 2a6 6 0 1 1 0 12 6 6 0 0 1 0-12z",
  folder: "M3 5h7l2 2h9v12H3z",
  bell: "M12 22a2.5 2.5 0 0 0 2.5-2.5h-5A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5-6.7V3h-4v1.3A7 7 0 0 0 5 11v5l-2 2v1h18v-1z",
  qr: "M3 3h8v8H3zm2 2v4h4V5zm8-2h8v8h-8zm2 2v4h4V5zM3 13h8v8H3zm2 2v4h4v-4zm8-2h3v3h-3zm5 0h3v3h-3zm-5 5h3v3h-3zm5 0h3v3h-3z",
  user: "M12 12a5 5 0 1 0 0-10 5 5 0 0 0 0 10zm0 2c-5 0-9 2.5-9 5.5V22h18v-2.5C21 16.5 17 14 12 14z",
};

function Icon({ name }: { name: string }) {
  return (
    <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path fill="currentColor" d={icons[name]} />
    </svg>
  );
}

function MainNav() {
  const { path } = useLocation();
  const items: [string, string, string][] = [
    ["/", "search", t("navSearch")],
    ["/ho-so", "folder", t("navDossiers")],
    ["/thong-bao", "bell", t("navInbox")],
    ["/tra-cuu", "qr", t("navLookup")],
    ["/tai-khoan", "user", t("navAccount")],
  ];
  const current = (href: string): boolean => (href === "/" ? path === "/" || path.startsWith("/thu-tuc") : path.startsWith(href));
  return (
    <nav class="main" aria-label={t("mainNav")}>
      <ul>
        {items.map(([href, icon, label]) => (
          <li key={href}>
            <a href={href} aria-current={current(href) ? "page" : undefined}>
              <Icon name={icon} />
              <span>{label}</span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function TopBar() {
  return (
    <header class="topbar">
      <a class="brand" href="/">
        <img src="/icons/icon.svg" alt="" width={28} height={28} />
        {t("portal")}
      </a>
      {session.value && (
        <a class="bell" href="/thong-bao" aria-label={t("unread", { n: unread.value })}>
          <Icon name="bell" />
          {unread.value > 0 && (
            <span class="count" aria-hidden="true" data-testid="unread">
              {unread.value}
            </span>
          )}
        </a>
      )}
      <LanguageToggle text={t("langToggle")} label={t("langToggleLabel")} />
    </header>
  );
}

/** Screens that need a signed-in citizen send everyone else to sign in, and back here afterwards. */
export function SignedIn({ children }: { children: ComponentChildren }) {
  const { url, route } = useLocation();
  useEffect(() => {
    if (!session.value) route(`/dang-nhap?next=${encodeURIComponent(url)}`, true);
  }, [session.value]);
  return session.value ? <>{children}</> : null;
}

export function App() {
  return (
    <LocationProvider>
      <a class="skip button secondary" href="#main">
        {t("skip")}
      </a>
      {updateReady.value && (
        <div class="banner" role="status">
          {t("newVersion")}
          <Button kind="secondary" onClick={updateReady.value}>
            {t("reload")}
          </Button>
        </div>
      )}
      <TopBar />
      <MainNav />
      <FocusOnRoute />
      <main id="main">
        <Router>
          <Route path="/" component={Home} />
          <Route path="/thu-tuc/:code" component={Procedure} />
          <Route path="/dang-nhap" component={SignIn} />
          <Route path="/nop/:code" component={FileDossier} />
          <Route path="/ho-so" component={Dossiers} />
          <Route path="/ho-so/:code" component={Dossier} />
          <Route path="/thanh-toan/:code" component={Pay} />
          <Route path="/thong-bao" component={Inbox} />
          <Route path="/tra-cuu" component={Lookup} />
          <Route path="/tai-khoan" component={Account} />
          <Route path="/xac-thuc" component={Verify} />
          <Route path="/xac-thuc/:kind/:ref" component={Verify} />
          <Route default component={Home} />
        </Router>
      </main>
    </LocationProvider>
  );
}
