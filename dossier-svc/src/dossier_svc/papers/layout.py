"""The page furniture every form of Thông tư 03/2025/TT-VPCP shares, drawn with fpdf2: the two-column header
(the unit beside the national motto, "Số: …" under the unit, the place-and-date line under the motto), the
title, numbered fields, tables and signature blocks. Pure: bytes in memory, no I/O but reading the fonts."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dossier_svc.papers.errors import FontMissing

# fpdf2 and the fontTools it embeds fonts with cost ~30 MB a process: imported where a paper is first drawn,
# not by every replica at start.
if TYPE_CHECKING:
    from fpdf import FPDF

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def date_line(place: str, local: datetime) -> str:
    """The place-and-date line: ``Huế, ngày 04 tháng 8 năm 2025`` (months below 3 keep their zero)."""
    month = f"{local.month:02d}" if local.month < 3 else str(local.month)
    return f"{place}, ngày {local.day:02d} tháng {month} năm {local.year}"


def moment(local: datetime | None) -> str:
    """A moment as the forms write it: ``14 giờ 05 phút, ngày 04/8/2025``; ``…`` when unknown."""
    if local is None:
        return "…"
    return f"{local:%H} giờ {local:%M} phút, ngày {local.day:02d}/{local.month:02d}/{local.year}"


def money(amount: int) -> str:
    """VND with dots between thousands: ``120.000 đồng``."""
    return f"{amount:,}".replace(",", ".") + " đồng"


@dataclass(frozen=True)
class Header:
    """What the header says: the governing body and the issuing unit, the paper's number, where and when."""

    governing: str
    unit: str
    number: str
    place_and_date: str


@dataclass(frozen=True)
class Signature:
    """One signature block: the signer's title, the instruction under it, and a name when it is known."""

    title: str
    name: str = ""
    instruction: str = "(Ký và ghi rõ họ tên)"


class Sheet:
    """One form being drawn."""

    def __init__(
        self,
        *,
        size: tuple[float, float],
        landscape: bool,
        fonts: tuple[Path, Path],
        title: str,
        issued_at: datetime,
    ) -> None:
        regular, bold = fonts
        if not regular.is_file() or not bold.is_file():
            raise FontMissing("Chưa cài phông chữ Unicode để in phiếu (DejaVu); liên hệ quản trị.")
        from fpdf import FPDF

        self.pdf: FPDF = FPDF(orientation="L" if landscape else "P", unit="mm", format=size)
        # The document's dates come from the moment it records, so the same history gives the same bytes.
        self.pdf.set_creation_date(issued_at)
        self.pdf.set_title(title)
        self.pdf.set_creator("motcua dossier-svc")
        self.pdf.add_font("VN", "", str(regular))
        self.pdf.add_font("VN", "B", str(bold))
        small = size[0] < 200 and not landscape
        self.base = 9.0 if small else 10.0
        margin = 11.0 if small else 15.0
        self.pdf.set_margins(margin, 10, margin)
        self.pdf.set_auto_page_break(True, margin=10)
        self.pdf.add_page()

    @property
    def width(self) -> float:
        """The width between the margins."""
        return self.pdf.w - self.pdf.l_margin - self.pdf.r_margin

    def _text(
        self, text: str, *, x: float, w: float, size: float, bold: bool = False, align: str = "C"
    ) -> None:
        from fpdf.enums import XPos, YPos

        self.pdf.set_font("VN", "B" if bold else "", size)
        self.pdf.set_x(x)
        self.pdf.multi_cell(w, size * 0.45, text, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)

    def header(self, head: Header, *, form: str) -> None:
        """The form's tag, then the two-column header."""
        from fpdf.enums import XPos, YPos

        pdf = self.pdf
        pdf.set_font("VN", "", self.base - 2)
        pdf.cell(self.width, 4, form, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        top = pdf.get_y()
        left_w = self.width * 0.42
        right_x = pdf.l_margin + left_w
        right_w = self.width - left_w
        size = self.base - 1
        self._text(head.governing.upper(), x=pdf.l_margin, w=left_w, size=size)
        self._text(head.unit.upper(), x=pdf.l_margin, w=left_w, size=size, bold=True)
        self._rule(pdf.l_margin + left_w * 0.3, left_w * 0.4)
        self._text(f"Số: {head.number}", x=pdf.l_margin, w=left_w, size=size)
        left_end = pdf.get_y()
        pdf.set_y(top)
        self._text(NATION, x=right_x, w=right_w, size=size, bold=True)
        self._text(MOTTO, x=right_x, w=right_w, size=size, bold=True)
        self._rule(right_x + right_w * 0.2, right_w * 0.6)
        self._text(head.place_and_date, x=right_x, w=right_w, size=size)
        pdf.set_y(max(left_end, pdf.get_y()) + 3)

    def _rule(self, x: float, w: float) -> None:
        y = self.pdf.get_y() + 0.6
        self.pdf.set_line_width(0.2)
        self.pdf.line(x, y, x + w, y)
        self.pdf.set_y(y + 1.2)

    def title(self, text: str, *subtitles: str) -> None:
        """The form's title, centred and bold, with lines under it."""
        self._text(text, x=self.pdf.l_margin, w=self.width, size=self.base + 2, bold=True)
        for line in subtitles:
            self._text(line, x=self.pdf.l_margin, w=self.width, size=self.base)
        self.pdf.ln(2)

    def para(self, text: str, *, bold: bool = False, indent: float = 0.0, align: str = "J") -> None:
        """A paragraph of body text."""
        x = self.pdf.l_margin + indent
        self._text(text, x=x, w=self.width - indent, size=self.base, bold=bold, align=align)
        self.pdf.ln(0.8)

    def items(self, lines: Sequence[str], *, indent: float = 4.0) -> None:
        """Indented lines (a form's list of documents or of what to supply)."""
        for line in lines:
            self.para(line, indent=indent, align="L")

    def table(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        size: float | None = None,
    ) -> None:
        """A ruled table whose columns take ``widths`` shares of the page width (in ``size`` points)."""
        from fpdf.fonts import FontFace

        pdf = self.pdf
        points = size or self.base - 1
        pdf.set_font("VN", "", points)
        total = sum(widths)
        with pdf.table(
            col_widths=tuple(w / total * self.width for w in widths),
            text_align="LEFT",
            line_height=points * 0.45,
            first_row_as_headings=True,
            headings_style=FontFace(emphasis="BOLD"),
        ) as grid:
            heading = grid.row()
            for text in headings:
                heading.cell(text)
            for values in rows:
                row = grid.row()
                for text in values:
                    row.cell(text)
        pdf.ln(2)

    def signatures(self, blocks: Sequence[Signature], *, space: float = 14.0) -> None:
        """Signature blocks side by side (one block sits on the right, as letters are signed)."""
        pdf = self.pdf
        pdf.ln(3)
        if pdf.get_y() + space + 14 > pdf.h - pdf.b_margin:
            pdf.add_page()
        top = pdf.get_y()
        width = self.width / max(2, len(blocks))
        starts = (
            [pdf.l_margin + width * i for i in range(len(blocks))]
            if len(blocks) > 1
            else [pdf.l_margin + self.width - width]
        )
        bottom = top
        for x, block in zip(starts, blocks, strict=True):
            pdf.set_y(top)
            self._text(block.title, x=x, w=width, size=self.base, bold=True)
            self._text(block.instruction, x=x, w=width, size=self.base - 1.5)
            pdf.set_y(pdf.get_y() + space)
            if block.name:
                self._text(block.name, x=x, w=width, size=self.base, bold=True)
            bottom = max(bottom, pdf.get_y())
        pdf.set_y(bottom + 2)

    def lookup(self, link: str, secret: str) -> None:
        """The look-up QR code with its secret, at the foot of what the applicant keeps."""
        import segno

        pdf = self.pdf
        side = 20.0
        if pdf.get_y() + side + 2 > pdf.h - pdf.b_margin:
            pdf.add_page()
        image = io.BytesIO()
        segno.make(link, error="m").save(image, kind="png", scale=5, border=2)
        image.seek(0)
        top = pdf.get_y()
        pdf.image(image, x=pdf.l_margin, y=top, w=side, h=side)
        text_x = pdf.l_margin + side + 3
        pdf.set_y(top + 3)
        self._text(
            "Tra cứu tình trạng hồ sơ bằng mã QR, hoặc tại cổng dịch vụ công với mã hồ sơ và mã tra cứu.",
            x=text_x,
            w=self.width - side - 3,
            size=self.base - 1.5,
            align="L",
        )
        self._text(
            f"Mã tra cứu: {secret}", x=text_x, w=self.width - side - 3, size=self.base, bold=True, align="L"
        )
        pdf.set_y(max(pdf.get_y(), top + side) + 1)

    def output(self) -> bytes:
        """The PDF."""
        return bytes(self.pdf.output())
