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

/** A family of words keyed by the codes the API sends (statuses, actions, papers), one row a code, Vietnamese
 * then English: ``coded("pay_", { pending: ["Chờ thanh toán", "Pending"] })`` is the word ``pay_pending``, so a
 * screen says ``t(`pay_${code}`)``. */
export function coded<P extends string, C extends string>(
  prefix: P,
  table: Record<C, readonly [vi: string, en: string]>,
): Dictionary<`${P}${C}`> {
  const rows = Object.entries(table) as [C, readonly [string, string]][];
  return Object.fromEntries(rows.map(([code, [vi, en]]) => [`${prefix}${code}`, { vi, en }])) as Dictionary<`${P}${C}`>;
}

/** The shell's words, alike in every client (the public scoreboard's too). */
export const SHELL = {
  portal: { vi: "Dịch vụ công Huế", en: "Huế Public Services" },
  skip: { vi: "Bỏ qua, đến nội dung chính", en: "Skip to main content" },
  langToggle: { vi: "English", en: "Tiếng Việt" },
  langToggleLabel: { vi: "Switch to English", en: "Chuyển sang tiếng Việt" },
} satisfies Dictionary<string>;

/** Words every client that serves dossiers says alike (the shell's, signing in, the filing channels, the parts of
 * a dossier and of a payment, the actions a citizen takes): each client's dictionary spreads them, so one wording
 * serves all. */
export const COMMON = {
  signIn: { vi: "Đăng nhập", en: "Sign in" },
  signOut: { vi: "Đăng xuất", en: "Sign out" },
  loading: { vi: "Đang tải…", en: "Loading…" },
  failed: { vi: "Không tải được. Vui lòng thử lại.", en: "Could not load. Please try again." },
  back: { vi: "Quay lại", en: "Back" },
  channel_online: { vi: "Trực tuyến", en: "Online" },
  channel_postal: { vi: "Bưu chính", en: "By post" },
  case: { vi: "Trường hợp", en: "Case" },
  applicant: { vi: "Người nộp hồ sơ", en: "Applicant" },
  name: { vi: "Họ và tên", en: "Full name" },
  address: { vi: "Địa chỉ", en: "Address" },
  documents: { vi: "Thành phần hồ sơ", en: "Documents" },
  status: { vi: "Trạng thái", en: "Status" },
  timeline: { vi: "Quá trình xử lý", en: "Timeline" },
  filed: { vi: "Đã nộp hồ sơ {code}.", en: "Dossier {code} filed." },
  unpaid: { vi: "Chưa thanh toán", en: "Unpaid" },
  amount: { vi: "Số tiền", en: "Amount" },
  transferReference: { vi: "Nội dung chuyển khoản", en: "Transfer reference" },
  scanStop: { vi: "Dừng quét", en: "Stop scanning" },
  act_submit: { vi: "Nộp hồ sơ", en: "Filed" },
  act_withdraw: { vi: "Rút hồ sơ", en: "Withdrawn" },
  ...SHELL,
} satisfies Dictionary<string>;
