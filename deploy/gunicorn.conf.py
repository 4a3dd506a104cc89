"""gunicorn settings for the web app: ``gunicorn --config deploy/gunicorn.conf.py app:app``.

Used as it is by systemd (deploy/systemd/companion-web.service) and by the production-shaped tests
(tests/production). Bind address, workers, threads and timeout come from the environment file (GUNICORN_BIND, WEB_*).

- Workers are ``gthread``: the arbiter's ``timeout`` watches each worker's main loop, not the length of one
  request, so a long streamed export (a 500,000-row audit trail) is never killed half-way, while a worker
  that truly hangs still is. Sync workers would cut any response that takes longer than ``timeout``.
- Only the one proxy in front (nginx on the same host) is trusted for ``X-Forwarded-*``; the app applies
  ProxyFix for exactly one hop (``BEHIND_PROXY=true``).
- The access log has the path without its query string (``%(U)s``): query strings can hold search terms
  and ids, and the log must never hold personal data.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("WEB_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8))
worker_class = "gthread"
threads = _int("WEB_THREADS", 4)
timeout = _int("WEB_TIMEOUT", 30)
graceful_timeout = 30
keepalive = 5
# a worker is replaced after this many requests (with jitter), so slow leaks never pile up
max_requests = 2000
max_requests_jitter = max_requests // 10
# headers from nginx on this host only
forwarded_allow_ips = "127.0.0.1,::1"
proxy_allow_ips = forwarded_allow_ips
# logs go to stdout/stderr, so journald keeps them
accesslog = "-"
errorlog = "-"
loglevel = "info"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# the request line and headers are small; a bigger one is refused before the app sees it
limit_request_line = 4094
limit_request_fields = 100
# gunicorn's control socket (in the service user's home) is not used: systemd starts, reloads and stops us
control_socket_disable = True
