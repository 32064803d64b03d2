"""The e-receipt (biên lai điện tử) of a succeeded payment, as a PDF with an embedded Unicode font."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Final

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from motcua_shared.chassis.clock import PLATFORM_TZ
from payment_svc.payments.models import Payment
from payment_svc.receipts.amounts import in_words, vnd
from payment_svc.settings import BankSettings, ReceiptSettings

FONTS: Final = Path(__file__).resolve().parent / "fonts"
METHODS: Final = {
    "vietqr": "Chuyển khoản qua mã VietQR",
    "gateway": "Cổng thanh toán (thẻ, ví điện tử)",
    "manual_transfer": "Chuyển khoản ngân hàng (cán bộ xác nhận)",
}


class _Receipt(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format=(148, 210))
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=12)
        self.set_margins(12, 12, 12)

    def line_of(self, label: str, value: str) -> None:
        self.set_font("DejaVu", "", 9)
        self.cell(38, 6, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.set_font("DejaVu", "B", 9)
        self.multi_cell(0, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render(payment: Payment, *, receipts: ReceiptSettings, bank: BankSettings, verify_url: str) -> bytes:
    """The receipt of ``payment`` (which must have succeeded) as PDF bytes, before it is signed.

    It carries what an electronic fee receipt carries (Nghị định 123/2020/NĐ-CP as amended; see the README):
    form and series, number, the collecting body, the payer, each fee and the total in figures and in words,
    the collection account, and a QR code to verify it; the collecting agency's signature is added next.
    """
    if not payment.receipt_number or payment.paid_at is None:
        raise ValueError("only a paid payment has a receipt")
    pdf = _Receipt()
    pdf.set_title(f"Biên lai {payment.receipt_number}")
    pdf.set_author(payment.agency_name)
    pdf.set_creator("motcua payment-svc")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    left, right = width * 0.55, width * 0.45
    top = pdf.get_y()
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(left, 4, receipts.issuer.upper(), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "B", 8)
    pdf.multi_cell(left, 4, payment.agency_name.upper(), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    below_left = pdf.get_y()
    pdf.set_xy(pdf.l_margin + left, top)
    pdf.set_font("DejaVu", "", 8)
    form = payment.receipt_form or receipts.form_number
    series = payment.receipt_series or payment.receipt_number.rsplit("-", 1)[0]
    number = payment.receipt_number.rsplit("-", 1)[-1]
    for text in (f"Mẫu số: {form}", f"Ký hiệu: {series}", f"Số: {number}"):
        pdf.set_x(pdf.l_margin + left)
        pdf.cell(right, 4, text, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(below_left, pdf.get_y()) + 3)
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(0, 7, "BIÊN LAI THU PHÍ, LỆ PHÍ", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 5, "(Biên lai điện tử)", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    paid = payment.paid_at.astimezone(PLATFORM_TZ)
    pdf.multi_cell(
        0,
        5,
        f"Ngày {paid:%d} tháng {paid:%m} năm {paid:%Y}",
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)
    pdf.line_of("Đơn vị thu:", payment.agency_name)
    pdf.line_of("Tài khoản thu:", f"{bank.account_number} — {bank.account_name}, {bank.bank_name}")
    pdf.line_of("Người nộp:", payment.payer_name)
    pdf.line_of("Mã hồ sơ:", payment.dossier_code)
    pdf.line_of("Thủ tục:", f"{payment.procedure_name} ({payment.procedure_code})")
    pdf.line_of("Mã thanh toán:", payment.reference)
    pdf.line_of("Hình thức:", METHODS.get(payment.method or "", payment.method or ""))
    pdf.line_of("Mã giao dịch:", f"{payment.provider} {payment.provider_txn_id}")
    pdf.line_of("Thời gian nộp:", paid.strftime("%H:%M ngày %d/%m/%Y"))
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 9)
    pdf.cell(80, 7, "Khoản thu", border=1, new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.cell(0, 7, "Số tiền", border=1, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 9)
    for item in payment.fee_items():
        name = f"{item.name} (miễn)" if item.exempt else item.name
        y = pdf.get_y()
        pdf.multi_cell(80, 6, name, border=1, new_x=XPos.RIGHT, new_y=YPos.TOP)
        height = pdf.get_y() - y if pdf.get_y() > y else 6
        pdf.set_xy(pdf.l_margin + 80, y)
        pdf.cell(0, max(height, 6), vnd(item.payable()), border=1, align="R")
        pdf.set_xy(pdf.l_margin, y + max(height, 6))
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(80, 7, "Tổng cộng", border=1, new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.cell(0, 7, vnd(payment.amount), border=1, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 6, f"Bằng chữ: {in_words(payment.amount)}.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if payment.refunded_amount:
        pdf.multi_cell(
            0,
            6,
            f"Đã hoàn trả: {vnd(payment.refunded_amount)}.",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    pdf.ln(3)
    # The QR code and the note sit on the left; the agency's signature stamp goes to the bottom right.
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    qr = io.BytesIO()
    segno.make(verify_url, error="m").save(qr, kind="png", scale=4, border=2)
    qr.seek(0)
    y = pdf.get_y()
    pdf.image(qr, x=pdf.l_margin, y=y, w=26, h=26)
    pdf.set_xy(pdf.l_margin + 28, y)
    pdf.set_font("DejaVu", "", 7)
    pdf.multi_cell(
        width - 28,
        3.5,
        "Quét mã QR (hoặc tải tệp biên lai lên trang kiểm tra) để xác minh biên lai và chữ ký số của đơn vị "
        "thu. Biên lai được lập tự động khi giao dịch thanh toán được xác nhận.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    return bytes(pdf.output())
