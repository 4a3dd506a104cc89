"""The deployment files themselves: every production setting is in the environment template, the units
restart and never run two schedulers, gunicorn keeps long exports and logs no query strings, and nginx
accepts the rendered site. (They are also what the rest of this tier runs.)"""

from __future__ import annotations

import re
import runpy

import pytest

from companion.config import ROOT, SETTINGS
from tests.production import stack

pytestmark = pytest.mark.production


def _names(pattern: str, *paths) -> set[str]:
    return {name for path in paths for name in re.findall(pattern, path.read_text())}


def test_the_environment_template_lists_every_setting_the_app_and_the_deploy_files_read():
    template = set(stack.parse_env_file(stack.ENV_TEMPLATE))
    app = {setting.name for setting in SETTINGS}
    gunicorn = _names(r'(?:environ\.get\(|_int\()"([A-Z][A-Z0-9_]+)"', stack.DEPLOY / "gunicorn.conf.py")
    nginx = set(re.search(r"envsubst '([^']+)'", stack.NGINX_TEMPLATE.read_text()).group(1).replace("$", "").split())
    backup = _names(r"\$\{([A-Z][A-Z0-9_]+)[:}]", ROOT / "scripts" / "backup.sh") - {"DATABASE_URL"}
    assert {"APP_ENV", "SECRET_KEY", "DATABASE_URL", "TWILIO_AUTH_TOKEN"} <= app, "the settings reader moved?"
    for source, names in (("config.py", app), ("gunicorn.conf.py", gunicorn), ("nginx", nginx),
                          ("backup.sh", backup)):
        missing = names - template
        assert not missing, f"{source} reads settings the environment template does not list: {sorted(missing)}"
    assert stack.parse_env_file(stack.ENV_TEMPLATE)["APP_ENV"] == "production"


@pytest.mark.parametrize("unit", ["companion-web.service", "companion-scheduler.service"])
def test_both_services_restart_always_with_the_environment_file(unit):
    service = stack.unit_service(unit)
    assert service["Restart"] == "always"
    assert service["EnvironmentFile"] == "/etc/companion/companion.env"
    assert service["User"] == "companion", "never run as root"
    assert service["WorkingDirectory"] == stack.INSTALL_ROOT


def test_the_scheduler_is_one_plain_unit_running_the_scheduler_command():
    """A template unit (name@.service) could be started twice; the scheduler's own lock is tested elsewhere."""
    units = sorted(p.name for p in stack.UNITS.glob("*.service"))
    assert not [u for u in units if "@" in u], units
    argv, _ = stack.unit_command("companion-scheduler.service")
    assert argv[-1] == "scheduler" and argv[-3:-1] == ["--app", "app"]
    web, _ = stack.unit_command("companion-web.service")
    assert "scheduler" not in " ".join(web), "web workers never run the scheduler"


def test_gunicorn_keeps_long_responses_trusts_one_proxy_and_logs_no_query_strings(monkeypatch):
    monkeypatch.delenv("WEB_TIMEOUT", raising=False)
    config = runpy.run_path(str(stack.DEPLOY / "gunicorn.conf.py"))
    # gthread: the timeout watches the worker, not the request, so a long streamed export is not killed
    assert config["worker_class"] == "gthread" and config["threads"] >= 2
    assert config["timeout"] == 30
    assert set(config["forwarded_allow_ips"].split(",")) == {"127.0.0.1", "::1"}
    assert "%(U)s" in config["access_log_format"]
    assert not re.search(r"%\((r|q|a|f|\{[^}]*\}i)\)s", config["access_log_format"]), \
        "the request line, query string and headers stay out of the access log"


def test_nginx_accepts_the_rendered_site(tmp_path):
    nginx = stack.require("nginx")
    stack.require("envsubst")
    cert, key = stack.make_certificate(tmp_path)
    values = {"SERVER_NAME": "companion.example-hospital.cn", "PUBLIC_URL": "https://companion.example-hospital.cn",
              "TLS_CERT": str(cert), "TLS_KEY": str(key), "APP_ROOT": str(ROOT), "NGINX_LOG_DIR": str(tmp_path),
              "HTTPS_PORT": str(stack.free_port()), "HTTP_PORT": str(stack.free_port())}
    env_file = stack.write_env_file(tmp_path / "companion.env", values)
    site = stack.render_nginx_site(env_file, tmp_path / "companion.conf")
    text = site.read_text()
    assert "${" not in text, "every placeholder is filled"
    assert "$http_host" in (ROOT / "deploy" / "nginx" / "proxy_headers.conf").read_text()
    main = stack.nginx_main_config(tmp_path, site)
    done = stack.subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True, text=True,
                                check=False)
    assert done.returncode == 0, done.stderr
