"""What can go wrong when sending, as the dispatcher needs to know it (RELIABILITY-SECURITY.md, "SMS
provider"). Messages are fixed descriptions: a provider's own message may quote the phone number."""

from __future__ import annotations


class SmsError(Exception):
    """Base class. ``code`` is the provider's error code (or the HTTP status) when there is one."""

    description = "the provider refused the message"

    def __init__(self, code: int | None = None, status: int | None = None):
        self.code = code
        self.status = status
        super().__init__(f"{self.description} (code {code}, HTTP {status})")


class SmsOptedOut(SmsError):
    """21610: the recipient replied STOP. Never retried; the participant is marked opted out."""

    description = "recipient has opted out"


class SmsBadNumber(SmsError):
    """21211 (not a valid number) or 21614 (not a mobile number). Never retried; the number is flagged."""

    description = "number cannot receive SMS"

    @property
    def problem(self) -> str:
        return "landline" if self.code == 21614 else "invalid"


class SmsTransient(SmsError):
    """429, 5xx, a refused or timed-out connection: nothing was accepted, so a later retry is safe."""

    description = "provider unavailable"


class SmsUncertain(SmsError):
    """The request may have reached the provider (a read timeout): retrying could send twice."""

    description = "no answer after sending; the message may have been accepted"


class SmsRejected(SmsError):
    """Any other refusal (a 4xx): retrying would fail the same way."""

    description = "the provider refused the message"
