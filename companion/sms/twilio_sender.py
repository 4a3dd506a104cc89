"""The Twilio sender (production). Retries, status callbacks and error codes come with issue 4."""

from __future__ import annotations

from dataclasses import dataclass

from companion.sms.senders import SendResult

#: seconds before a request to Twilio is abandoned (the library's default is to wait for ever)
TIMEOUT_SECONDS = 10


@dataclass
class TwilioSender:
    account_sid: str
    auth_token: str
    from_number: str | None = None
    messaging_service_sid: str | None = None
    http_client: object | None = None

    @classmethod
    def from_settings(cls, settings) -> TwilioSender:
        if not (settings.twilio_account_sid and settings.twilio_auth_token):
            raise RuntimeError("SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        if not (settings.twilio_from_number or settings.twilio_messaging_service_sid):
            raise RuntimeError("SMS_BACKEND=twilio needs TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
        return cls(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            from_number=settings.twilio_from_number,
            messaging_service_sid=settings.twilio_messaging_service_sid,
        )

    def _client(self):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        http = self.http_client or TwilioHttpClient(timeout=TIMEOUT_SECONDS)
        return Client(self.account_sid, self.auth_token, http_client=http)

    def send(self, to: str, body: str, validity_seconds: int = 600) -> SendResult:
        kwargs = {"to": to, "body": body, "validity_period": validity_seconds}
        if self.messaging_service_sid:
            kwargs["messaging_service_sid"] = self.messaging_service_sid
        else:
            kwargs["from_"] = self.from_number
        message = self._client().messages.create(**kwargs)
        return SendResult(provider_id=message.sid, status=message.status)
