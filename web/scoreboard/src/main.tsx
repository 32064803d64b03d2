import { render } from "preact";
import "@ui/kit.css";
import "./scoreboard.css";
import { lang } from "@ui/i18n";
import { LanguageToggle } from "@ui/shell";
import { Scoreboard } from "./Scoreboard";
import { t } from "./strings";

document.documentElement.lang = lang.value;

function Shell() {
  document.title = t("title");
  return (
    <>
      <a class="skip" href="#main">
        {t("skip")}
      </a>
      <header class="topbar">
        <a class="brand" href="/">
          <img src={`${import.meta.env.BASE_URL}icons/icon.svg`} alt="" width={28} height={28} />
          {t("portal")}
        </a>
        <LanguageToggle text={t("langToggle")} label={t("langToggleLabel")} />
      </header>
      <main id="main">
        <Scoreboard />
      </main>
    </>
  );
}

render(<Shell />, document.getElementById("app")!);
