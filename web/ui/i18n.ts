// Vietnamese first, English on request: one dictionary per app; this mechanism and the words all say alike shared.
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

/** Words every client says alike (the shell's, the filing channels', the parts of a dossier, the actions a
 * citizen takes): each client's dictionary spreads them, so one wording serves all. */
export const COMMON = {
  skip: { vi: "Bỏ qua, đến nội dung chính", en: "Skip to main content" },
  langToggle: { vi: "English", en: "Tiếng Việt" },
  langToggleLabel: { vi: "Switch to English", en: "Chuyển sang tiếng Việt" },
  signOut: { vi: "Đăng xuất", en: "Sign out" },
  loading: { vi: "Đang tải…", en: "Loading…" },
  failed: { vi: "Không tải được. Vui lòng thử lại.", en: "Could not load. Please try again." },
  back: { vi: "Quay lại", en: "Back" },
  channel_online: { vi: "Trực tuyến", en: "Online" },
  channel_postal: { vi: "Bưu chính", en: "By post" },
  applicant: { vi: "Người nộp hồ sơ", en: "Applicant" },
  name: { vi: "Họ và tên", en: "Full name" },
  address: { vi: "Địa chỉ", en: "Address" },
  documents: { vi: "Thành phần hồ sơ", en: "Documents" },
  timeline: { vi: "Quá trình xử lý", en: "Timeline" },
  scanStop: { vi: "Dừng quét", en: "Stop scanning" },
  act_submit: { vi: "Nộp hồ sơ", en: "Filed" },
  act_withdraw: { vi: "Rút hồ sơ", en: "Withdrawn" },
} satisfies Dictionary<string>;
