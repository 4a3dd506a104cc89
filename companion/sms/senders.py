"""SMS senders without a network: the development console sender and the test fake."""

from __future__ import annotations

import itertools
import logging
import sys
import threading
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SendResult:
    provider_id: str
    status: str


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    to: str
    body: str
    provider_id: str
    #: what else the sender was asked for (e.g. validity_seconds, status_callback)
    options: dict = field(default_factory=dict)


class SmsSender(Protocol):
    def send(self, to: str, body: str, **options) -> SendResult: ...


def mask_number(e164: str) -> str:
    """+8613812345678 -> +86*******5678: enough to tell numbers apart on a console, no more."""
    if len(e164) <= 7:
        return "*" * len(e164)
    return e164[:3] + "*" * (len(e164) - 7) + e164[-4:]


@dataclass
class FakeSender:
    """Keeps messages in memory; tests read ``outbox``."""

    outbox: list[OutboxMessage] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, to: str, body: str, **options) -> SendResult:
        with self._lock:
            provider_id = f"FAKE{next(self._ids):06d}"
            self.outbox.append(OutboxMessage(to=to, body=body, provider_id=provider_id, options=options))
        return SendResult(provider_id=provider_id, status="sent")

    def messages_to(self, to: str) -> list[OutboxMessage]:
        return [m for m in self.outbox if m.to == to]


class ConsoleSender(FakeSender):
    """Development only: prints each message with the number masked and keeps it in the outbox.

    It writes to the process's standard output, not to the log, so that log files never hold a
    one-time code. ``sms.init_app`` refuses it when APP_ENV=production.
    """

    def send(self, to: str, body: str, **options) -> SendResult:
        result = super().send(to, body, **options)
        print(f"[SMS to {mask_number(to)}] {body}", file=sys.stdout, flush=True)
        return result
