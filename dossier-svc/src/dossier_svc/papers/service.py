"""The papers Circular 01/2018/TT-VPCP asks for, as PDF with Vietnamese text and a lookup QR code.

01 receipt and appointment, 02 supplement request, 03 refusal, 04 apology with a new appointment. They are
rendered on demand from the dossier, so a paper always matches the record. The wording is ours; the titles
and the information each form carries follow the circular's annex.
"""

from __future__ import annotations

import asyncio
import io
from datetime import datetime
from pathlib import Path

import segno
from fpdf import FPDF

from dossier_svc.calendar.models import WorkCalendar
from dossier_svc.dossiers.errors import DossierNotFound
from dossier_svc.dossiers.models import Dossier
from dossier_svc.dossiers.workflow import State
from dossier_svc.papers.errors import FontMissing, PaperNotIssued
from dossier_svc.papers.models import FORM_NUMBERS, TITLES, Paper
from dossier_svc.settings import Settings
from dossier_svc.uow import DossierUow
from motcua_shared.chassis.auth import Principal


def issued(dossier: Dossier, paper: Paper) -> bool:
    """Whether the dossier has reached the point where ``paper`` exists."""
    if paper is Paper.RECEIPT:
        return dossier.received_at is not None
    if paper is Paper.SUPPLEMENT_REQUEST:
        return dossier.supplement_requested_at is not None
    if paper is Paper.REFUSAL:
        return dossier.state is State.REJECTED
    return dossier.extension_count > 0


def _when(moment: datetime | None, calendar: WorkCalendar) -> str:
    if moment is None:
        return "…"
    local = calendar.local(moment)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d} tháng {local:%m} năm {local:%Y}"


def render(dossier: Dossier, paper: Paper, *, calendar: WorkCalendar, settings: Settings) -> bytes:
    """The PDF of ``paper`` for ``dossier``."""
    regular, bold = Path(settings.papers.font_path), Path(settings.papers.bold_font_path)
    if not regular.is_file() or not bold.is_file():
        raise FontMissing("Chưa cài phông chữ Unicode để in phiếu (DejaVu); liên hệ quản trị.")
    pdf = FPDF(format="A4")
    pdf.set_title(f"{TITLES[paper]} — {dossier.code}")
    pdf.set_creator("motcua dossier-svc")
    pdf.add_font("VN", "", str(regular))
    pdf.add_font("VN", "B", str(bold))
    pdf.set_margins(20, 18, 20)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(text: str, *, size: float = 11, style: str = "", align: str = "L", gap: float = 6.5) -> None:
        pdf.set_font("VN", style, size)
        pdf.multi_cell(width, gap, text, align=align, new_x="LMARGIN", new_y="NEXT")

    pdf.set_font("VN", "", 9)
    pdf.cell(width, 5, f"Mẫu số {FORM_NUMBERS[paper]} — Thông tư số 01/2018/TT-VPCP", align="R")
    pdf.ln(8)
    line(dossier.agency_name.upper(), size=10, style="B")
    line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=11, style="B", align="C")
    line("Độc lập - Tự do - Hạnh phúc", size=11, style="B", align="C")
    pdf.ln(4)
    line(TITLES[paper], size=14, style="B", align="C", gap=8)
    line(f"Mã hồ sơ: {dossier.code}", size=11, style="B", align="C")
    pdf.ln(3)
    name = dossier.applicant.get("name", "")
    for text in _body(dossier, paper, calendar, name):
        line(text)
    pdf.ln(4)
    line(
        "Tra cứu tình trạng hồ sơ bằng mã QR dưới đây, "
        "hoặc tại cổng dịch vụ công với mã hồ sơ và mã tra cứu.",
        size=9,
    )
    line(f"Mã tra cứu: {dossier.lookup_secret}", size=11, style="B")
    qr = segno.make(settings.lookup_link(dossier.code, dossier.lookup_secret), error="m")
    image = io.BytesIO()
    qr.save(image, kind="png", scale=6, border=2)
    image.seek(0)
    pdf.image(image, x=pdf.l_margin, y=pdf.get_y() + 2, w=34, h=34)
    pdf.set_xy(pdf.l_margin + 90, pdf.get_y() + 4)
    pdf.set_font("VN", "B", 11)
    pdf.cell(width - 90, 6, "NGƯỜI TIẾP NHẬN / CƠ QUAN GIẢI QUYẾT", align="C")
    return bytes(pdf.output())


def _body(dossier: Dossier, paper: Paper, calendar: WorkCalendar, name: str) -> list[str]:
    procedure = f"Thủ tục: {dossier.procedure_name} (mã {dossier.procedure_code})."
    if paper is Paper.RECEIPT:
        documents = [
            f"  {i}. {d['name']} — {d['originals']} bản chính, {d['copies']} bản sao"
            for i, d in enumerate(dossier.documents_required, start=1)
        ]
        return [
            f"{dossier.agency_name} đã tiếp nhận hồ sơ của ông/bà: {name}.",
            f"Số điện thoại: {dossier.applicant.get('phone', '')}."
            + (f" Thư điện tử: {dossier.applicant['email']}." if dossier.applicant.get("email") else ""),
            procedure,
            "Thành phần hồ sơ đã nhận:",
            *documents,
            f"Thời hạn giải quyết theo quy định: {dossier.processing_days:g} ngày làm việc.",
            f"Thời điểm nhận hồ sơ: {_when(dossier.received_at, calendar)}.",
            f"Hẹn trả kết quả vào: {_when(dossier.appointment_at, calendar)}.",
            f"Phí, lệ phí: {dossier.fee_total:,} đồng.".replace(",", "."),
        ]
    if paper is Paper.SUPPLEMENT_REQUEST:
        wanted = ", ".join(
            d["name"] for d in dossier.documents_required if d["code"] in (dossier.supplement_documents or [])
        )
        return [
            f"Kính gửi ông/bà: {name}.",
            procedure,
            f"Ngày {_when(dossier.supplement_requested_at, calendar)}, "
            "cơ quan giải quyết đề nghị ông/bà bổ sung, hoàn thiện hồ sơ với nội dung sau:",
            f"  {dossier.supplement_reason or ''}",
            *([f"Thành phần cần bổ sung: {wanted}."] if wanted else []),
            *([_obligation(dossier.fee_total)] if dossier.supplement_asks_fee else []),
            f"Hạn bổ sung: {_when(dossier.respond_by, calendar)}.",
            "Thời hạn giải quyết được tính lại từ khi nhận đủ hồ sơ bổ sung.",
            "Xin lỗi ông/bà vì sự bất tiện này.",
        ]
    if paper is Paper.REFUSAL:
        return [
            f"Kính gửi ông/bà: {name}.",
            procedure,
            "Cơ quan giải quyết không tiếp nhận, giải quyết hồ sơ của ông/bà vì lý do sau:",
            f"  {dossier.close_reason or ''}",
            f"Thời điểm: {_when(dossier.closed_at, calendar)}.",
            "Xin thông báo để ông/bà biết và thực hiện.",
        ]
    return [
        f"Kính gửi ông/bà: {name}.",
        procedure,
        f"Hồ sơ được hẹn trả kết quả vào {_when(dossier.due_at, calendar)}, "
        "nhưng đến nay chưa giải quyết xong vì:",
        f"  {dossier.extension_reason or ''}",
        "Cơ quan giải quyết thành thật xin lỗi ông/bà vì sự chậm trễ này.",
        f"Xin hẹn lại thời gian trả kết quả vào: {_when(dossier.appointment_at, calendar)}.",
    ]


def _obligation(fee_total: int) -> str:
    amount = f"{fee_total:,}".replace(",", ".")
    return (
        f"Nghĩa vụ tài chính cần thực hiện: nộp phí, lệ phí {amount} đồng (thanh toán trực tuyến theo yêu "
        "cầu thanh toán của hồ sơ); hồ sơ tiếp tục được giải quyết khi đã nộp đủ."
    )


async def paper_for(
    uow: DossierUow,
    who: Principal,
    code: str,
    paper: Paper,
    *,
    calendar: WorkCalendar,
    settings: Settings,
) -> bytes:
    """The PDF, for the applicant and the officers handling the dossier; 409 before it is issued."""
    async with uow:
        dossier = await uow.dossiers.by_code(code)
        if dossier is None or not dossier.visible_to(who):
            raise DossierNotFound()
        if not issued(dossier, paper):
            raise PaperNotIssued("Hồ sơ chưa đến bước có loại phiếu này.")
    # Laying out a PDF takes a few milliseconds of CPU: keep it off the event loop.
    return await asyncio.to_thread(render, dossier, paper, calendar=calendar, settings=settings)
