"""PAdES signing and verification of issued papers: what an honest, a tampered, a foreign and an unsigned
paper are found to be, with pyHanko's own validator as the independent check of what we sign."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fpdf import FPDF
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from motcua_shared.chassis.signing import (
    NotAPdf,
    PaperSigner,
    Seal,
    SigningSettings,
    SigningUnavailable,
    Verdicts,
    refuse_development_authority,
    verify_pdf,
)

SEAL = Seal(
    agency_code="hue.xa.thuan-hoa",
    agency_name="Ủy ban nhân dân phường Thuận Hóa",
    kind="mau-01",
    reference="hue.xa.thuan-hoa-261206-0001",
    reason="Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    dossier_code="hue.xa.thuan-hoa-261206-0001",
)


def paper(text: str = "Giấy tiếp nhận hồ sơ") -> bytes:
    pdf = FPDF(format=(148, 210))
    pdf.set_title("Mẫu 01")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, text.encode("ascii", "ignore").decode())
    return bytes(pdf.output())


@pytest.fixture
def signer(tmp_path: Path) -> PaperSigner:
    return PaperSigner(SigningSettings(secrets_dir=tmp_path / "secrets"))


async def test_a_signed_paper_is_valid_for_pyhanko_and_for_us(signer: PaperSigner) -> None:
    signed = await signer.sign(paper(), SEAL)
    [embedded] = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    assert signer.authority is not None
    root = load_cert_from_pemder(str(signer.authority.ca_path))
    context = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
    status = await async_validate_pdf_signature(embedded, signer_validation_context=context)
    assert status.bottom_line
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert "/AP" in embedded.sig_field, "the stamp is visible"

    verdict = await verify_pdf(signed, signer.trust_roots())
    assert verdict.verdict is Verdicts.VALID
    assert verdict.intact
    assert verdict.trusted
    assert verdict.signer == SEAL.agency_name
    assert verdict.kind == "mau-01"
    assert verdict.reference == SEAL.reference
    assert verdict.dossier_code == SEAL.dossier_code
    assert verdict.reason == SEAL.reason
    assert verdict.signed_at is not None
    assert verdict.signed_at.utcoffset() is not None


async def test_the_keys_are_made_once_and_kept_out_of_reach(signer: PaperSigner, tmp_path: Path) -> None:
    first = await signer.sign(paper(), SEAL)
    again = await PaperSigner(SigningSettings(secrets_dir=tmp_path / "secrets")).sign(paper(), SEAL)
    one, two = (PdfFileReader(io.BytesIO(d)).embedded_signatures[0].signer_cert for d in (first, again))
    assert one.serial_number == two.serial_number
    keys = list((tmp_path / "secrets").rglob("*key.pem"))
    assert len(keys) == 2
    assert all(k.stat().st_mode & 0o077 == 0 for k in keys)


async def test_a_changed_byte_is_tampering(signer: PaperSigner) -> None:
    signed = await signer.sign(paper(), SEAL)
    at = signed.index(b"/MotcuaReference") + len(b"/MotcuaReference (")
    tampered = bytearray(signed)
    tampered[at] ^= 0x01
    verdict = await verify_pdf(bytes(tampered), signer.trust_roots())
    assert verdict.verdict is Verdicts.TAMPERED
    assert not verdict.intact
    assert verdict.reference is None, "nothing a broken signature covers is reported as fact"


async def test_a_signed_paper_broken_beyond_reading_is_tampering_too(signer: PaperSigner) -> None:
    signed = await signer.sign(paper(), SEAL)
    broken = signed.replace(b"startxref", b"startxreg")
    assert (await verify_pdf(broken, signer.trust_roots())).verdict is Verdicts.TAMPERED


async def test_content_added_after_signing_is_tampering(signer: PaperSigner) -> None:
    signed = await signer.sign(paper(), SEAL)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root["/Lang"] = generic.TextStringObject("vi")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    verdict = await verify_pdf(out.getvalue(), signer.trust_roots())
    assert verdict.verdict is Verdicts.TAMPERED


async def test_a_certificate_from_elsewhere_is_not_trusted(signer: PaperSigner, tmp_path: Path) -> None:
    foreign = await PaperSigner(SigningSettings(secrets_dir=tmp_path / "elsewhere")).sign(paper(), SEAL)
    verdict = await verify_pdf(foreign, signer.trust_roots())
    assert verdict.verdict is Verdicts.UNTRUSTED
    assert verdict.intact
    assert not verdict.trusted


async def test_unsigned_and_unreadable_files(signer: PaperSigner) -> None:
    assert (await verify_pdf(paper(), signer.trust_roots())).verdict is Verdicts.UNSIGNED
    with pytest.raises(NotAPdf):
        await verify_pdf(b"GIF89a not a pdf", signer.trust_roots())


async def test_without_a_credential_or_the_development_authority_nothing_is_signed(tmp_path: Path) -> None:
    settings = SigningSettings(secrets_dir=tmp_path, development_authority=False)
    with pytest.raises(SigningUnavailable):
        await PaperSigner(settings).sign(paper(), SEAL)
    with pytest.raises(ValueError, match="development_authority"):
        refuse_development_authority(SigningSettings())
    refuse_development_authority(settings)


async def test_a_deployment_s_certificates_come_from_its_directory(tmp_path: Path) -> None:
    issuer = PaperSigner(SigningSettings(secrets_dir=tmp_path / "ca"))
    assert issuer.authority is not None
    key, cert = issuer.authority.agency(SEAL.agency_code, SEAL.agency_name)
    folder = tmp_path / "certificates"
    folder.mkdir()
    (folder / f"{SEAL.agency_code}.pem").write_bytes(cert.read_bytes())
    (folder / f"{SEAL.agency_code}.key.pem").write_bytes(key.read_bytes())
    configured = PaperSigner(
        SigningSettings(
            development_authority=False,
            certificates_dir=folder,
            trust_roots=[issuer.authority.ca_path],
        )
    )
    signed = await configured.sign(paper(), SEAL)
    assert (await configured.verify(signed)).verdict is Verdicts.VALID
    with pytest.raises(SigningUnavailable):
        await configured.sign(paper(), Seal(**{**SEAL.__dict__, "agency_code": "hue.so-tu-phap"}))


async def test_a_seal_with_a_verify_link_stamps_it_as_a_qr_code(signer: PaperSigner) -> None:
    seal = Seal(
        agency_code=SEAL.agency_code,
        agency_name=SEAL.agency_name,
        kind="ket-qua",
        reference="abc123",
        reason="Kết quả giải quyết hồ sơ",
        dossier_code=SEAL.dossier_code,
        verify_url="https://dichvucong.example.vn/xac-thuc/ket-qua/abc123",
    )
    signed = await signer.sign(paper(), seal)
    [embedded] = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    appearance = embedded.sig_field["/AP"]["/N"].get_object()
    width = float(appearance["/BBox"][2]) - float(appearance["/BBox"][0])
    assert width == 260, "the stamp is widened for its QR code"
    assert "/QR" in appearance["/Resources"]["/XObject"], "the stamp draws the link as a QR code"
    verdict = await verify_pdf(signed, signer.trust_roots())
    assert verdict.verdict is Verdicts.VALID
    assert (verdict.kind, verdict.reference) == ("ket-qua", "abc123")
