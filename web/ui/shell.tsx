// The pieces of a client's frame that every client has: focus moved to each new screen's heading, and the
// language toggle.
import { useEffect } from "preact/hooks";
import { useLocation } from "preact-iso";
import { lang, setLang } from "./i18n";
import { Button } from "./kit";

/** Move focus to the new screen's heading, so a screen reader announces where the reader is. */
export function FocusOnRoute() {
  const { path } = useLocation();
  useEffect(() => {
    const timer = setTimeout(() => document.getElementById("page-title")?.focus({ preventScroll: false }), 50);
    return () => clearTimeout(timer);
  }, [path]);
  return null;
}

/** Switch to the other language; ``text`` and ``label`` are worded in the language it switches to. */
export function LanguageToggle({ text, label }: { text: string; label: string }) {
  const other = lang.value === "vi" ? "en" : "vi";
  return (
    <Button kind="quiet" lang={other} aria-label={label} onClick={() => setLang(other)}>
      {text}
    </Button>
  );
}
