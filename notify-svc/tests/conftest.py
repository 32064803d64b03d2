"""notify-svc fixtures; they live in ``notify_testkit`` so that tests can import its helpers by name."""

from notify_testkit import start_notify

__all__ = ["start_notify"]
