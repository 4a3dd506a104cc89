"""Sending SMS: one small interface, with a console sender for development, a fake for tests and
Twilio for production. The app reaches the sender only through ``get_sender()``."""

from __future__ import annotations

from flask import Flask, current_app

from companion.sms.senders import ConsoleSender, FakeSender, SendResult, SmsSender, mask_number

__all__ = ["ConsoleSender", "FakeSender", "SendResult", "SmsSender", "get_sender", "init_app", "mask_number"]


def init_app(app: Flask) -> None:
    backend = app.config["SMS_BACKEND"]
    if app.config.get("SMS_SENDER") is not None:  # a test hands in its own sender
        sender = app.config["SMS_SENDER"]
    elif backend == "console":
        if app.config["APP_ENV"] == "production":
            raise RuntimeError("the console SMS sender refuses to run with APP_ENV=production")
        sender = ConsoleSender()
    elif backend == "fake":
        sender = FakeSender()
    else:
        from companion.sms.twilio_sender import TwilioSender

        sender = TwilioSender.from_settings(app.config["SETTINGS"])
    app.extensions["sms_sender"] = sender


def get_sender() -> SmsSender:
    return current_app.extensions["sms_sender"]
