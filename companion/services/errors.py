"""Errors that services raise and views turn into 4xx responses with a clear message."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: something the user can correct or should be told."""


class ValidationFailed(ServiceError):
    """Input that does not pass the rules; ``errors`` maps a field name to a translatable message."""

    def __init__(self, errors: dict[str, object]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotFound(ServiceError):
    """The record does not exist, or the user may not see it (both answer 404)."""
