// A dossier's status and time left in the reader's language, from the codes the API returns: the API words them
// in Vietnamese only, so English is built here from the national status number and the days/hours/overdue fields.
import { lang, translator, type Dictionary } from "@ui/i18n";

type StatusWord = `national_${number}` | `status_${string}` | "left" | "overdue";

const words: Dictionary<StatusWord> = {
  // The national status list (dossier-svc workflow.NATIONAL_LABELS), Vietnamese as the national portal words it.
  national_1: { vi: "Mới đăng ký", en: "Newly filed" },
  national_2: { vi: "Được tiếp nhận", en: "Received" },
  national_3: { vi: "Không được tiếp nhận", en: "Not accepted" },
  national_4: { vi: "Đang xử lý", en: "In progress" },
  national_5: { vi: "Yêu cầu bổ sung giấy tờ", en: "More documents requested" },
  national_6: { vi: "Yêu cầu thực hiện nghĩa vụ tài chính", en: "Fees to pay" },
  national_7: { vi: "Công dân yêu cầu rút hồ sơ", en: "Withdrawn at the citizen's request" },
  national_8: { vi: "Dừng xử lý", en: "Processing stopped" },
  national_9: { vi: "Đã có kết quả", en: "Result ready" },
  national_10: { vi: "Đã trả kết quả", en: "Result returned" },
  // The platform's own states, for a dossier with no national status yet (a draft).
  status_draft: { vi: "Bản nháp", en: "Draft" },
  left: { vi: "còn {days} ngày {hours} giờ", en: "{days} working days {hours} hours left" },
  overdue: { vi: "quá {days} ngày {hours} giờ", en: "{days} working days {hours} hours overdue" },
};
const say = translator<StatusWord>(words);

/** The status codes and the API's Vietnamese label, as every dossier shape (summary, detail, look-up) carries them. */
export interface StatusCodes {
  status: string;
  national_status?: number | null;
  national_status_label?: string | null;
}

/** The status to show: in Vietnamese the API's own label, in English the words for its national status code;
 * a draft, which has no national status, in the reader's language. */
export function statusLabel(d: StatusCodes): string {
  if (lang.value === "vi" && d.national_status_label) return d.national_status_label;
  const key: StatusWord = d.national_status ? `national_${d.national_status}` : `status_${d.status}`;
  return key in words ? say(key) : (d.national_status_label ?? d.status);
}

/** The API's time left before the due time (working days and hours, or how far past it). */
export interface TimeLeftCodes {
  days: number;
  hours: number;
  overdue: boolean;
  label: string;
}

/** "còn X ngày Y giờ" as the API words it in Vietnamese; in English, built from its days, hours and overdue flag. */
export function timeLeftLabel(left: TimeLeftCodes): string {
  if (lang.value === "vi") return left.label;
  return say(left.overdue ? "overdue" : "left", { days: left.days, hours: left.hours });
}
