// Vietnamese first, English on request: one dictionary per app, this mechanism shared.
import { signal } from "@preact/signals";

export type Lang = "vi" | "en";
const KEY = "motcua.lang";

export const lang = signal<Lang>(((globalThis.localStorage?.getItem(KEY) as Lang | null) ?? "vi"));

/** Switch the language, remember it, and tell assistive technology through the page's lang. */
export function setLang(next: Lang): void {
  lang.value = next;
  localStorage.setItem(KEY, next);
  document.documentElement.lang = next;
}

export type Dictionary<K extends string> = Record<K, { vi: string; en: string }>;

/** A translator for ``dictionary``: ``t(key)`` in the current language, ``{name}`` filled from ``values``. */
export function translator<K extends string>(dictionary: Dictionary<K>) {
  return (key: K, values: Record<string, string | number> = {}): string =>
    dictionary[key][lang.value].replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ""));
}
