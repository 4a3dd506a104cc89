"""A local stand-in for Twilio's Messages API, for the production-shaped tests.

The app talks to it with the real ``twilio`` library (``TWILIO_API_BASE_URL`` points here). Each message it
accepts is kept, and ``report()`` sends its delivery report back the way Twilio does: a form POST to the message's
``StatusCallback`` URL (through nginx, over HTTPS), signed with ``X-Twilio-Signature`` computed by the
library's own ``RequestValidator`` from the account's auth token.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import requests
from twilio.request_validator import RequestValidator


@dataclass
class Message:
    sid: str
    to: str
    body: str
    status_callback: str | None
    #: (HTTP status the app answered, status reported) for each callback sent
    callbacks: list[tuple[int, str]] = field(default_factory=list)


class FakeTwilio:
    """``start()`` serves on 127.0.0.1:<port>; ``messages_to(number)`` is what was sent to a number."""

    def __init__(self, account_sid: str, auth_token: str, ca_file: str, port: int):
        self.account_sid, self.auth_token, self.ca_file, self.port = account_sid, auth_token, ca_file, port
        self.messages: list[Message] = []
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request, for assertions
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def messages_to(self, number: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if m.to == number]

    def accept(self, form: dict[str, str]) -> Message:
        message = Message(sid=f"SM{next(self._ids):032x}", to=form.get("To", ""), body=form.get("Body", ""),
                          status_callback=form.get("StatusCallback"))
        with self._lock:
            self.messages.append(message)
        return message

    def report(self, message: Message, status: str, signature: str | None = None) -> int:
        """POST a status callback for ``message`` as Twilio would; returns the HTTP status the app answered."""
        params = {"AccountSid": self.account_sid, "MessageSid": message.sid, "MessageStatus": status,
                  "SmsSid": message.sid, "SmsStatus": status, "To": message.to, "ApiVersion": "2010-04-01"}
        if signature is None:
            signature = RequestValidator(self.auth_token).compute_signature(message.status_callback, params)
        answer = requests.post(message.status_callback, data=params, headers={"X-Twilio-Signature": signature},
                               verify=self.ca_file, timeout=10)
        with self._lock:
            message.callbacks.append((answer.status_code, status))
        return answer.status_code

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet: the numbers are fake, but keep test output clean
                return None

            def _json(self, code: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                fake.requests.append(("POST", self.path))
                if self.path != f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json":
                    self._json(404, {"code": 20404, "message": "not found", "status": 404})
                    return
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = {key: values[0] for key, values in parse_qs(raw).items()}
                message = fake.accept(form)
                self._json(201, {"sid": message.sid, "account_sid": fake.account_sid, "to": message.to,
                                 "from": form.get("From"), "body": message.body, "status": "queued",
                                 "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01",
                                 "error_code": None, "error_message": None})

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
