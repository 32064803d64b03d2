"""The forms of Circular 01/2018/TT-VPCP this service issues, with their numbers and titles."""

from __future__ import annotations

from enum import StrEnum


class Paper(StrEnum):
    """The forms of Circular 01/2018/TT-VPCP."""

    RECEIPT = "receipt"
    SUPPLEMENT_REQUEST = "supplement-request"
    REFUSAL = "refusal"
    APOLOGY = "apology"


FORM_NUMBERS = {Paper.RECEIPT: "01", Paper.SUPPLEMENT_REQUEST: "02", Paper.REFUSAL: "03", Paper.APOLOGY: "04"}
TITLES = {
    Paper.RECEIPT: "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    Paper.SUPPLEMENT_REQUEST: "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    Paper.REFUSAL: "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    Paper.APOLOGY: "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
}
