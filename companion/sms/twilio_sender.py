"""The Twilio sender (production), with the real ``twilio`` library.

RELIABILITY-SECURITY.md, "SMS provider": an explicit timeout (the library waits for ever by default);
``ValidityPeriod`` so that a late reminder is dropped by Twilio rather than arriving after its visit; and
errors sorted by what the dispatcher must do:

- 21610 (the recipient replied STOP) -> ``SmsOptedOut``: no retry, the participant is opted out;
- 21211 (not a valid number), 21614 (not a mobile) -> ``SmsBadNumber``: no retry, the number is flagged;
- HTTP 429 and 5xx, a refused connection, a connect timeout -> ``SmsTransient``: nothing was accepted,
  a bounded retry is safe;
- a read timeout or a connection lost after the request went out -> ``SmsUncertain``: Twilio may have
  accepted the message, so it is not retried (one reminder, at most one message);
- any other refusal -> ``SmsRejected``.

The exceptions carry codes only: Twilio's messages may quote the phone number. Tests pass an
``http_client`` (a stub, or one pointed at the Prism mock of Twilio's API).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from companion.sms.errors import SmsBadNumber, SmsError, SmsOptedOut, SmsRejected, SmsTransient, SmsUncertain
from companion.sms.senders import SendResult

#: seconds before a request to Twilio is abandoned (the library's default is to wait for ever)
TIMEOUT_SECONDS = 10
#: Twilio's default validity is its maximum, 36000 s; ours is what the caller asks for, else an hour
DEFAULT_VALIDITY_SECONDS = 3600
OPTED_OUT = 21610
BAD_NUMBER = (21211, 21614)


def classify(status: int | None, code: int | None) -> SmsError:
    """The dispatcher's view of a refusal with HTTP ``status`` and Twilio error ``code``."""
    if code == OPTED_OUT:
        return SmsOptedOut(code, status)
    if code in BAD_NUMBER:
        return SmsBadNumber(code, status)
    if status is not None and (status == 429 or status >= 500):
        return SmsTransient(code, status)
    return SmsRejected(code, status)


def _network_error(exc: Exception) -> SmsError:
    """A refused connection or a connect timeout never reached Twilio; anything later might have."""
    from requests.exceptions import ConnectTimeout
    from urllib3.exceptions import NewConnectionError

    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if isinstance(exc, ConnectTimeout) or isinstance(reason, NewConnectionError):
        return SmsTransient()
    return SmsUncertain()


def _api_base_client(base_url: str, timeout: float):
    """A Twilio HTTP client that sends every request meant for ``*.twilio.com`` to ``base_url`` instead.

    For ``TWILIO_API_BASE_URL``: a local stand-in for Twilio (the production-shaped tests) or an egress proxy
    a hospital network requires. Path, query and body are unchanged, so the real library does the rest.
    """
    from twilio.http.http_client import TwilioHttpClient

    base = urlsplit(base_url)

    class ApiBaseHttpClient(TwilioHttpClient):
        def request(self, method, url, *args, **kwargs):
            parts = urlsplit(url)
            if parts.hostname and parts.hostname.endswith("twilio.com"):
                url = urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))
            return super().request(method, url, *args, **kwargs)

    return ApiBaseHttpClient(timeout=timeout)


@dataclass
class TwilioSender:
    account_sid: str
    auth_token: str
    from_number: str | None = None
    messaging_service_sid: str | None = None
    http_client: object | None = None
    timeout: float = TIMEOUT_SECONDS
    api_base_url: str | None = None

    @classmethod
    def from_settings(cls, settings, http_client=None) -> TwilioSender:
        if not (settings.twilio_account_sid and settings.twilio_auth_token):
            raise RuntimeError("SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        if not (settings.twilio_from_number or settings.twilio_messaging_service_sid):
            raise RuntimeError("SMS_BACKEND=twilio needs TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
        return cls(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            from_number=settings.twilio_from_number,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            http_client=http_client,
            api_base_url=getattr(settings, "twilio_api_base_url", None),
        )

    def _client(self):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        if self.http_client is None:
            self.http_client = (_api_base_client(self.api_base_url, self.timeout) if self.api_base_url
                                else TwilioHttpClient(timeout=self.timeout))
        return Client(self.account_sid, self.auth_token, http_client=self.http_client)

    def send(self, to: str, body: str, *, validity_seconds: int | None = None,
             status_callback: str | None = None) -> SendResult:
        """Hand one message to Twilio; raises an ``SmsError`` subclass when it is not accepted."""
        from requests.exceptions import RequestException
        from twilio.base.exceptions import TwilioRestException

        kwargs = {"to": to, "body": body, "validity_period": validity_seconds or DEFAULT_VALIDITY_SECONDS}
        if self.messaging_service_sid:
            kwargs["messaging_service_sid"] = self.messaging_service_sid
        else:
            kwargs["from_"] = self.from_number
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            message = self._client().messages.create(**kwargs)
        except TwilioRestException as exc:
            raise classify(exc.status, exc.code) from None
        except RequestException as exc:
            raise _network_error(exc) from None
        return SendResult(provider_id=message.sid, status=message.status)
