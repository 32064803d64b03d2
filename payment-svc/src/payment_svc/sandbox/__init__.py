"""The sandbox payment provider: its own small app, speaking the same signed protocols as the real ones."""

from payment_svc.sandbox.app import create_sandbox_app
from payment_svc.sandbox.settings import SandboxSettings

__all__ = ["SandboxSettings", "create_sandbox_app"]
