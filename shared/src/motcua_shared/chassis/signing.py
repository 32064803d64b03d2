"""PAdES signatures of the papers the platform issues, and their verification (issue 16).

Every paper a service hands out (a dossier's forms, a fee receipt, an officer's result) is signed with the
certificate of the agency that issues it, with a visible stamp on its last page. What the paper is travels
inside the signed revision, in the document information dictionary (``/MotcuaKind``, ``/MotcuaReference``),
so that a verifier can say which receipt or dossier an uploaded file is, and nobody can change it without
breaking the signature.

Keys never live in the repository. In production each agency's certificate and key come from a PKCS#12 file
named in the settings (``<PREFIX>_SIGNING__AGENCIES__<code>__PKCS12_PATH`` and its password), and a verifier
trusts the roots listed in ``trust_roots``. In development and tests a throwaway certificate authority and one
certificate per agency are generated on first use under ``secrets_dir`` (``var/secrets`` by default, which git
ignores); every service of one machine shares that directory, so a paper signed by one is trusted by all.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import io
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Final

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pydantic import BaseModel, Field, SecretStr

from motcua_shared.chassis.clock import PLATFORM_TZ
from motcua_shared.chassis.errors import PROBLEM_BASE, Unavailable

# pyHanko (and the fontTools it subsets the stamp's font with) costs ~25 MB in every process that imports
# it: it is imported where a paper is first signed or verified, not by every replica at start.
if TYPE_CHECKING:
    from pyhanko.pdf_utils import generic
    from pyhanko.sign import signers

__all__ = [
    "AgencyCredential",
    "NotAPdf",
    "PaperSigner",
    "Seal",
    "SigningSettings",
    "SigningUnavailable",
    "Verdict",
    "Verdicts",
    "refuse_development_authority",
    "verify_pdf",
]

FIELD_NAME: Final = "ChuKySo"
KIND_KEY: Final = "/MotcuaKind"
REFERENCE_KEY: Final = "/MotcuaReference"
DOSSIER_KEY: Final = "/MotcuaDossier"
_AGENCY_FILE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_STAMP_TEXT: Final = "Ký số bởi: %(signer)s\nThời gian ký: %(when)s\nĐịa điểm: %(location)s"
# The stamp: 220 x 48 points (260 x 64 with a QR code), 28 points in from the bottom-right corner of the
# last page.
_STAMP_SIZE: Final = (220, 48)
_QR_STAMP_SIZE: Final = (260, 64)
_STAMP_MARGIN: Final = 28


class AgencyCredential(BaseModel):
    """One agency's signing certificate and key, as the PKCS#12 file its certificate authority issued."""

    pkcs12_path: Path
    password: SecretStr | None = None


class SigningSettings(BaseModel):
    """Where signing keys come from and which roots a verifier trusts."""

    secrets_dir: Path = Field(
        default=Path("var/secrets"),
        description="Where the development authority keeps its throwaway keys (never committed).",
    )
    development_authority: bool = Field(
        default=True,
        description="Generate a throwaway CA and a certificate per agency in `secrets_dir` for an agency "
        "without a configured credential, and trust that CA. Production refuses it.",
    )
    agencies: dict[str, AgencyCredential] = Field(
        default_factory=dict, description="Per agency code, its real certificate (PKCS#12)."
    )
    certificates_dir: Path | None = Field(
        default=None,
        description="A directory of agency certificates named by agency code: `<code>.p12` (its passphrase, "
        "if any, in `<code>.pass`), or `<code>.pem` with its unencrypted key in `<code>.key.pem`.",
    )
    trust_roots: list[Path] = Field(
        default_factory=list, description="CA certificates (PEM or DER) a verifier trusts."
    )
    fetch_revocation: bool = Field(
        default=False, description="Let a verifier fetch CRLs and OCSP answers (real CAs publish them)."
    )
    stamp_font: Path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    location: str = Field(default="Huế", description="The place the stamp and the signature name.")


def refuse_development_authority(settings: SigningSettings) -> None:
    """For a production settings validator: papers there are signed with real certificates only."""
    if settings.development_authority:
        raise ValueError(
            "production signs with configured certificates: set signing.development_authority false"
        )


@dataclass(frozen=True)
class Seal:
    """What a signature says about the paper it signs."""

    agency_code: str
    agency_name: str
    kind: str
    """What sort of paper: ``bien-lai`` (fee receipt), ``mau-01``…, ``ket-qua`` (an officer's result)."""
    reference: str
    """Which one: the receipt's series and number, the dossier's code…"""
    reason: str
    """The signature's stated reason, in Vietnamese (``Biên lai thu phí, lệ phí số …``)."""
    dossier_code: str | None = None
    """The dossier the paper belongs to."""
    verify_url: str | None = None
    """Where the paper is verified by its reference; given, the stamp carries it as a QR code (for a paper
    whose own layout has none, such as an officer's result)."""


class SigningUnavailable(Unavailable):
    """No credential for the agency (and no development authority), or the stamp's font is missing: the
    paper cannot be issued signed, so it is not issued (503, until the deployment is configured)."""

    type = PROBLEM_BASE + "signing-unavailable"
    title = "Chưa ký số được giấy tờ"
    title_en = "Signing unavailable"
    default_detail_en = "The issuing agency's signing certificate is not configured."


class NotAPdf(Exception):
    """The uploaded bytes are not a readable PDF."""


class Verdicts(StrEnum):
    """The verdict on an uploaded paper."""

    VALID = "valid"
    """Signed by a trusted certificate, unchanged since."""
    TAMPERED = "tampered"
    """The signed bytes were changed, or content was added after signing."""
    UNTRUSTED = "untrusted"
    """Intact, but the certificate does not chain to a root the platform trusts."""
    UNSIGNED = "unsigned"
    """A PDF without a signature."""


@dataclass(frozen=True)
class Verdict:
    """What a verifier found in a paper."""

    verdict: Verdicts
    intact: bool
    trusted: bool
    signer: str | None = None
    signer_organization: str | None = None
    certificate_serial: str | None = None
    certificate_issuer: str | None = None
    signed_at: datetime | None = None
    reason: str | None = None
    kind: str | None = None
    reference: str | None = None
    dossier_code: str | None = None
    sha256: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def _bounded(text: str) -> str:
    """``text`` cut to the 64 bytes (UTF-8) X.520 allows a name attribute."""
    return text.encode()[:64].decode(errors="ignore").strip()


def _name(common: str, organization: str | None = None, unit: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, _bounded(organization)))
    if unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _bounded(unit)))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, _bounded(common)))
    return x509.Name(attributes)


def _usage(*, authority: bool) -> x509.KeyUsage:
    """A CA signs certificates; an agency signs papers (digital signature and non-repudiation)."""
    return x509.KeyUsage(
        digital_signature=not authority,
        content_commitment=not authority,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=authority,
        crl_sign=authority,
        encipher_only=False,
        decipher_only=False,
    )


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` readable by its owner only, then move it into place (readers never see half)."""
    staging = path.with_suffix(path.suffix + ".tmp")
    staging.write_bytes(data)
    staging.chmod(0o600)
    staging.replace(path)


class DevelopmentAuthority:
    """A throwaway certificate authority in ``directory``, which issues one certificate per agency.

    Files are created once (under an exclusive file lock, as several services of one machine may start
    together) and reused afterwards, so a paper signed yesterday still verifies today.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    @property
    def ca_path(self) -> Path:
        """The CA certificate (PEM)."""
        return self.directory / "ca.pem"

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._lock, (self.directory / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _ca(self) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
        key_path = self.directory / "ca-key.pem"
        if not self.ca_path.is_file() or not key_path.is_file():
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            name = _name("motcua CA thử nghiệm", "motcua (chỉ để phát triển)")
            now = _now()
            cert = (
                x509.CertificateBuilder()
                .subject_name(name)
                .issuer_name(name)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=1))
                .not_valid_after(now + timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(_usage(authority=True), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256())
            )
            _write_private(key_path, _pem_key(key))
            self.ca_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        ca_cert = x509.load_pem_x509_certificate(self.ca_path.read_bytes())
        ca_key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(ca_key, rsa.RSAPrivateKey):
            raise SigningUnavailable(f"{key_path} is not the development CA's RSA key")
        return ca_cert, ca_key

    def ensure_ca(self) -> Path:
        """The CA certificate's path, creating the authority on first use."""
        with self._locked():
            self._ca()
        return self.ca_path

    def agency(self, code: str, name: str) -> tuple[Path, Path]:
        """The agency's (key, certificate) PEM paths, issuing them on first use."""
        if not _AGENCY_FILE.match(code):
            raise SigningUnavailable(f"agency code {code!r} cannot name a key file")
        key_path = self.directory / "agencies" / f"{code}.key.pem"
        cert_path = self.directory / "agencies" / f"{code}.pem"
        with self._locked():
            if key_path.is_file() and cert_path.is_file():
                return key_path, cert_path
            ca_cert, ca_key = self._ca()
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            now = _now()
            cert = (
                x509.CertificateBuilder()
                .subject_name(_name(name, name, code))
                .issuer_name(ca_cert.subject)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=1))
                .not_valid_after(now + timedelta(days=1825))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(_usage(authority=False), critical=True)
                .add_extension(
                    x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
                )
                .sign(ca_key, hashes.SHA256())
            )
            key_path.parent.mkdir(parents=True, exist_ok=True)
            _write_private(key_path, _pem_key(key))
            cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            return key_path, cert_path


def _corner(page: generic.DictionaryObject) -> tuple[int, int]:
    """The page's bottom-right corner; the media box may be inherited from a parent page tree node."""
    node: generic.DictionaryObject | None = page
    while node is not None:
        if "/MediaBox" in node:
            box = node["/MediaBox"]
            return int(box[2]), int(box[1])
        parent = node.raw_get("/Parent") if "/Parent" in node else None
        node = parent.get_object() if parent is not None else None
    return 595, 0


class PaperSigner:
    """Signs PDFs as PAdES (B-B) with the issuing agency's certificate and a visible stamp, and verifies
    them against the deployment's trust roots.

    Signing is CPU work of a few tens of milliseconds, done in a worker thread.
    """

    def __init__(self, settings: SigningSettings) -> None:
        # fontTools reports each font table it drops while subsetting the stamp's font: noise, not news.
        logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
        self.settings = settings
        self.authority = (
            DevelopmentAuthority(settings.secrets_dir) if settings.development_authority else None
        )
        self._signers: dict[str, signers.SimpleSigner] = {}
        self._roots: list[asn1_x509.Certificate] | None = None
        self._lock = threading.Lock()

    def trust_roots(self) -> list[asn1_x509.Certificate]:
        """The roots a verifier trusts: the configured ones, and the development CA when there is one."""
        from pyhanko.keys import load_cert_from_pemder

        paths = list(self.settings.trust_roots)
        if self.authority is not None:
            paths.append(self.authority.ensure_ca())
        return [load_cert_from_pemder(str(path)) for path in paths]

    def _stored(self, code: str) -> signers.SimpleSigner | None:
        """The agency's certificate from ``certificates_dir``, if it holds one."""
        from pyhanko.sign import signers

        folder = self.settings.certificates_dir
        if folder is None or not _AGENCY_FILE.match(code):
            return None
        pkcs12, passphrase = folder / f"{code}.p12", folder / f"{code}.pass"
        if pkcs12.is_file():
            secret = passphrase.read_bytes().strip() if passphrase.is_file() else None
            loaded: signers.SimpleSigner | None = signers.SimpleSigner.load_pkcs12(
                str(pkcs12), passphrase=secret
            )
            return loaded
        cert, key = folder / f"{code}.pem", folder / f"{code}.key.pem"
        if cert.is_file() and key.is_file():
            loaded = signers.SimpleSigner.load(str(key), str(cert))
            return loaded
        return None

    async def verify(self, data: bytes) -> Verdict:
        """:func:`verify_pdf` against this deployment's trust roots (read once), in a worker thread: parsing
        and hashing an uploaded file is CPU work the event loop should not wait on."""
        if self._roots is None:
            self._roots = await asyncio.to_thread(self.trust_roots)
        roots, fetch = self._roots, self.settings.fetch_revocation
        return await asyncio.to_thread(lambda: asyncio.run(verify_pdf(data, roots, fetch_revocation=fetch)))

    def _signer(self, code: str, name: str) -> signers.SimpleSigner:
        from pyhanko.sign import signers

        with self._lock:
            cached = self._signers.get(code)
            if cached is not None:
                return cached
            credential = self.settings.agencies.get(code)
            signer: signers.SimpleSigner | None
            stored = self._stored(code)
            if credential is not None:
                password = credential.password.get_secret_value().encode() if credential.password else None
                signer = signers.SimpleSigner.load_pkcs12(str(credential.pkcs12_path), passphrase=password)
            elif stored is not None:
                signer = stored
            elif self.authority is not None:
                key_path, cert_path = self.authority.agency(code, name)
                signer = signers.SimpleSigner.load(
                    str(key_path), str(cert_path), ca_chain_files=(str(self.authority.ca_path),)
                )
            else:
                signer = None
            if signer is None:
                raise SigningUnavailable(f"no signing certificate for agency {code!r}")
            self._signers[code] = signer
            return signer

    async def sign(self, pdf: bytes, seal: Seal) -> bytes:
        """``pdf`` signed for ``seal``'s agency, in a worker thread (see :meth:`sign_blocking`)."""
        return await asyncio.to_thread(self.sign_blocking, pdf, seal)

    def sign_blocking(self, pdf: bytes, seal: Seal) -> bytes:
        """``pdf`` signed for ``seal``'s agency, with the stamp at the bottom right of its last page.

        For worker threads only: pyHanko's synchronous API runs its own event loop.
        """
        from pyhanko.pdf_utils import generic
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.pdf_utils.text import TextBoxStyle
        from pyhanko.sign import fields, signers
        from pyhanko.stamp import QRStampStyle, TextStampStyle

        if not self.settings.stamp_font.is_file():
            raise SigningUnavailable(f"the stamp's font {self.settings.stamp_font} is missing")
        signer = self._signer(seal.agency_code, seal.agency_name)
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        info = generic.DictionaryObject()
        previous = writer.prev.trailer_view.get("/Info")
        if previous is not None:
            info.update(previous.get_object())
        info[generic.NameObject(KIND_KEY)] = generic.TextStringObject(seal.kind)
        info[generic.NameObject(REFERENCE_KEY)] = generic.TextStringObject(seal.reference)
        if seal.dossier_code:
            info[generic.NameObject(DOSSIER_KEY)] = generic.TextStringObject(seal.dossier_code)
        writer.set_info(info)
        last = writer.prev.root["/Pages"]["/Count"] - 1
        right, bottom = _corner(writer.prev.find_page_for_modification(last)[0].get_object())
        width, height = _QR_STAMP_SIZE if seal.verify_url else _STAMP_SIZE
        spec = fields.SigFieldSpec(
            FIELD_NAME,
            on_page=last,
            box=(
                right - _STAMP_MARGIN - width,
                bottom + _STAMP_MARGIN,
                right - _STAMP_MARGIN,
                bottom + _STAMP_MARGIN + height,
            ),
        )
        text_box = TextBoxStyle(font=GlyphAccumulatorFactory(str(self.settings.stamp_font), font_size=7))
        style: TextStampStyle = (
            QRStampStyle(stamp_text=_STAMP_TEXT, text_box_style=text_box, border_width=1)
            if seal.verify_url
            else TextStampStyle(stamp_text=_STAMP_TEXT, text_box_style=text_box, border_width=1)
        )
        metadata = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            reason=seal.reason,
            location=self.settings.location,
            name=seal.agency_name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
        )
        when = datetime.now(PLATFORM_TZ).strftime("%H:%M:%S ngày %d/%m/%Y (UTC+07:00)")
        params = {"when": when, "location": self.settings.location}
        if seal.verify_url:
            params["url"] = seal.verify_url
        out = io.BytesIO()
        signers.PdfSigner(metadata, signer, stamp_style=style, new_field_spec=spec).sign_pdf(
            writer, output=out, appearance_text_params=params
        )
        return out.getvalue()


def _attribute(name: asn1_x509.Name, key: str) -> str | None:
    value = name.native.get(key)
    if isinstance(value, list):
        value = value[-1] if value else None
    return str(value) if value is not None else None


async def verify_pdf(
    data: bytes, trust_roots: list[asn1_x509.Certificate], *, fetch_revocation: bool = False
) -> Verdict:
    """Check the last signature of ``data``: intact, unchanged since, and by a certificate that chains to
    ``trust_roots``; say who signed, when, and which paper the signed revision says it is."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    digest = hashlib.sha256(data).hexdigest()
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_regular_signatures
    except Exception as exc:
        # Anyone may upload anything, and a malformed file may make the parser raise whatever it likes. One
        # that carries a signature's byte range was a signed paper until someone changed it.
        if data.lstrip().startswith(b"%PDF-") and b"/ByteRange" in data:
            return Verdict(verdict=Verdicts.TAMPERED, intact=False, trusted=False, sha256=digest)
        raise NotAPdf(str(exc)) from exc
    if not signatures:
        return Verdict(verdict=Verdicts.UNSIGNED, intact=False, trusted=False, sha256=digest)
    embedded = signatures[-1]
    context = ValidationContext(
        trust_roots=trust_roots,
        allow_fetching=fetch_revocation,
        revocation_mode="hard-fail" if fetch_revocation else "soft-fail",
    )
    try:
        status = await async_validate_pdf_signature(embedded, signer_validation_context=context)
    except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError, IndexError):
        # A signature whose structure cannot even be read was not left as the issuer made it.
        return Verdict(verdict=Verdicts.TAMPERED, intact=False, trusted=False, sha256=digest)
    trusted = bool(status.trusted)
    if not (status.intact and status.valid and status.coverage == SignatureCoverageLevel.ENTIRE_FILE):
        # Changed bytes, or a revision added after signing: nothing the signature covers is reported as fact.
        return Verdict(verdict=Verdicts.TAMPERED, intact=False, trusted=trusted, sha256=digest)
    info = reader.get_historical_resolver(embedded.signed_revision).trailer_view.get("/Info")
    claims = info.get_object() if info is not None else generic.DictionaryObject()
    cert = embedded.signer_cert
    when = embedded.self_reported_timestamp

    def claim(key: str) -> str | None:
        return str(claims[key]) if key in claims else None

    return Verdict(
        verdict=Verdicts.VALID if trusted else Verdicts.UNTRUSTED,
        intact=True,
        trusted=trusted,
        signer=_attribute(cert.subject, "common_name"),
        signer_organization=_attribute(cert.subject, "organization_name"),
        certificate_serial=format(cert.serial_number, "x"),
        certificate_issuer=_attribute(cert.issuer, "common_name"),
        signed_at=when.astimezone(PLATFORM_TZ) if when is not None else None,
        reason=str(embedded.sig_object["/Reason"]) if "/Reason" in embedded.sig_object else None,
        kind=claim(KIND_KEY),
        reference=claim(REFERENCE_KEY),
        dossier_code=claim(DOSSIER_KEY),
        sha256=digest,
    )
