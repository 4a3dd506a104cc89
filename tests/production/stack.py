"""The production stack of README "Deploy", started from the repository's own deployment files.

Nothing here is a copy of those files: the environment file is ``deploy/companion.env.example`` with this
run's values filled in; the nginx site is ``deploy/nginx/companion.conf.template`` rendered by the very
``envsubst`` command written at its top; gunicorn and the scheduler run the ``ExecStart`` lines of
``deploy/systemd/*.service`` in their ``WorkingDirectory`` (``/srv/companion`` is this checkout), with the
environment file loaded as systemd's ``EnvironmentFile`` would and nothing else inherited. Only what a
Debian server provides itself is made here: nginx's main ``nginx.conf`` (it includes the site, as Debian's
does) and a certificate made with ``openssl`` at test time.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ENV_TEMPLATE = DEPLOY / "companion.env.example"
NGINX_TEMPLATE = DEPLOY / "nginx" / "companion.conf.template"
UNITS = DEPLOY / "systemd"
#: where the units expect the release; in the tests this checkout stands in for it
INSTALL_ROOT = "/srv/companion"
#: what systemd passes to a service besides its EnvironmentFile
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp"}  # noqa: S108


def require(tool: str) -> str:
    """The path of a program the tier needs: missing, it fails in CI (.ci/run installs it) and skips elsewhere."""
    path = shutil.which(tool) or (f"/usr/sbin/{tool}" if os.access(f"/usr/sbin/{tool}", os.X_OK) else None)
    if path:
        return path
    reason = f"{tool} is missing: apt-get install nginx openssl gettext-base (.ci/run does)"
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines as systemd's EnvironmentFile reads them (comments, blank lines, double quotes)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", key), f"{path.name}: not KEY=value: {line!r}"
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        values[key] = value
    return values


def write_env_file(path: Path, values: dict[str, str]) -> Path:
    """The template with this run's values: same keys, same order, comments kept."""
    lines, seen = [], set()
    for line in ENV_TEMPLATE.read_text().splitlines():
        key = line.partition("=")[0].strip()
        if line and not line.startswith("#") and key in values:
            value = values[key]
            lines.append(f'{key}="{value}"' if " " in value else f"{key}={value}")
            seen.add(key)
        else:
            lines.append(line)
    unknown = set(values) - seen
    assert not unknown, f"settings the environment template does not list: {sorted(unknown)}"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def unit_service(name: str) -> dict[str, str]:
    """The [Service] section of deploy/systemd/<name>."""
    section, values = None, {}
    for line in (UNITS / name).read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def unit_command(name: str) -> tuple[list[str], Path]:
    """A unit's ExecStart and WorkingDirectory, with this checkout standing in for /srv/companion."""
    service = unit_service(name)
    workdir = Path(service["WorkingDirectory"].replace(INSTALL_ROOT, str(ROOT)))
    argv = [arg.replace(INSTALL_ROOT, str(ROOT)) for arg in shlex.split(service["ExecStart"])]
    return argv, workdir


def with_env_file(env_file: Path, argv: list[str]) -> list[str]:
    """``argv`` run with the environment file loaded (README: ``set -a; . /etc/companion/companion.env``)."""
    return ["bash", "-c", 'set -a; . "$0"; set +a; exec "$@"', str(env_file), *argv]


def run(env_file: Path, argv: list[str], *, stdin: str | None = None, cwd: Path = ROOT) -> str:
    """A one-off command of README "Deploy" (migrate, create the first administrator ...); its output."""
    done = subprocess.run(with_env_file(env_file, argv), input=stdin, capture_output=True, text=True, cwd=cwd,
                          env=BASE_ENV, timeout=120, check=False)
    assert done.returncode == 0, f"{argv} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


def render_nginx_site(env_file: Path, target: Path) -> Path:
    """The site file, rendered by the envsubst command written at the top of the template."""
    match = re.search(r"envsubst '([^']+)'", NGINX_TEMPLATE.read_text())
    assert match, "the nginx template must say how it is rendered"
    command = f"envsubst '{match.group(1)}' < {shlex.quote(str(NGINX_TEMPLATE))} > {shlex.quote(str(target))}"
    subprocess.run(with_env_file(env_file, ["bash", "-c", command]), check=True, env=BASE_ENV, cwd=ROOT, timeout=30)
    return target


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost (and 127.0.0.1), valid for two days."""
    cert, key = directory / "fullchain.pem", directory / "privkey.pem"
    subprocess.run([require("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    key.chmod(0o600)
    return cert, key


def nginx_main_config(directory: Path, site: Path) -> Path:
    """What Debian's /etc/nginx/nginx.conf does for us: an http block that includes the site file."""
    user = "root" if os.geteuid() == 0 else ""  # workers must read this checkout's static/ folder
    config = directory / "nginx.conf"
    config.write_text(f"""{f'user {user};' if user else ''}
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {site};
}}
""")
    return config


@dataclass
class Process:
    """A long-running service of the stack, its output in a log file."""
    name: str
    argv: list[str]
    cwd: Path
    log: Path
    env: dict[str, str] = field(default_factory=lambda: dict(BASE_ENV))
    popen: subprocess.Popen | None = None

    def start(self) -> Process:
        handle = self.log.open("ab")
        self.popen = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdout=handle,  # noqa: S603
                                      stderr=subprocess.STDOUT, start_new_session=True)
        handle.close()
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 20) -> int | None:
        if not self.alive():
            return self.popen.returncode if self.popen else None
        self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            return self.popen.wait(10)

    def output(self, last: int = 60) -> str:
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(lines[-last:])


def wait_for(condition, timeout: float, what: str, processes: list[Process] = ()) -> None:
    """Poll ``condition`` until it is truthy; on time-out, fail with the services' last log lines."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        dead = [p for p in processes if not p.alive()]
        if dead:
            pytest.fail(f"{', '.join(p.name for p in dead)} stopped while waiting for {what}:\n"
                        + "\n".join(p.output() for p in processes), pytrace=False)
        time.sleep(0.25)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}:\n" + "\n".join(p.output() for p in processes),
                pytrace=False)
