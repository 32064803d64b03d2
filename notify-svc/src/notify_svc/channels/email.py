"""E-mail over SMTP (aiosmtplib): plain UTF-8 text, one message per delivery."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from motcua_shared.contracts.notify import NotifyChannel
from notify_svc.channels.base import Failed, Job, Outcome, Sent
from notify_svc.settings import EmailSettings


def build_message(job: Job, sender: str) -> EmailMessage:
    """The MIME message of ``job``: UTF-8 subject and body, a Message-ID naming the delivery."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = job.address
    message["Subject"] = job.subject or ""
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(idstring=job.delivery_id, domain="motcua.vn")
    message["X-Motcua-Delivery"] = job.delivery_id
    message.set_content(job.body, charset="utf-8")
    return message


class SmtpEmailProvider:
    """Hands each message to an SMTP relay. 5xx replies are permanent, 4xx and network errors transient."""

    channel = NotifyChannel.EMAIL
    provider = "smtp"

    def __init__(self, settings: EmailSettings) -> None:
        if not settings.host:
            raise ValueError("e-mail needs email.host")
        self._settings = settings
        self.rate_per_second = settings.rate_per_second

    async def send(self, job: Job) -> Outcome:
        """Send one e-mail."""
        s = self._settings
        message = build_message(job, s.sender)
        try:
            await aiosmtplib.send(
                message,
                hostname=s.host,
                port=s.port,
                username=s.username,
                password=s.password.get_secret_value() if s.password else None,
                use_tls=s.security == "tls",
                start_tls=s.security == "starttls",
                timeout=s.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            return Failed(
                self.provider, f"recipient refused: {codes}", permanent=all(c >= 500 for c in codes)
            )
        except aiosmtplib.SMTPResponseException as exc:
            return Failed(self.provider, f"SMTP {exc.code}: {exc.message[:300]}", permanent=exc.code >= 500)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return Failed(self.provider, f"{type(exc).__name__}: {exc}"[:500], permanent=False)
        return Sent(self.provider, str(message["Message-ID"]))

    async def aclose(self) -> None:
        """One connection per message: nothing kept open."""
