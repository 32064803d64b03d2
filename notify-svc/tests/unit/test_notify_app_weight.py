"""A notify-svc replica carries the e-mail and Web Push clients only when their channel is configured."""

from __future__ import annotations

import subprocess
import sys

OPTIONAL = ("aiosmtplib", "pywebpush", "aiohttp", "requests")

# In a fresh interpreter: the test session has long imported every channel.
PROBE = """
import sys
from motcua_shared.chassis.clock import SYSTEM_CLOCK
from notify_svc.app import build_adapters, create_app
from notify_svc.settings import Settings

settings = Settings(env="test", {config})
create_app(settings, configure_logs=False)
adapters = build_adapters(settings, SYSTEM_CLOCK, lambda: None)
print(sorted(a.value for a in adapters))
print(sorted(m for m in {optional} if m in sys.modules))
"""


def _probe(config: str) -> list[str]:
    code = PROBE.format(config=config, optional=OPTIONAL)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout.splitlines()


def test_without_email_or_push_their_clients_are_not_imported() -> None:
    assert _probe("") == ["['sms', 'webhook']", "[]"]


def test_a_configured_channel_brings_its_client() -> None:
    channels, imported = _probe('email={"host": "smtp.example.vn"}')
    assert channels == "['email', 'sms', 'webhook']"
    assert "aiosmtplib" in imported
    assert "pywebpush" not in imported
