"""Browser constants and the journeys the e2e tests share (sign-in flows, axe scans, tap-target checks).

Pages are found by URL, field names and ids rather than by visible text, so the tests hold in both languages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pyotp
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from companion.sms import FakeSender
from tests.factories import StaffLogin

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
MIN_TAP = 44  # px, the app's own rule (static/css/app.css) and WCAG 2.5.5's size

#: called with a page name and the page after each page load; the accessibility test passes an AxeScan
Seen = Callable[[str, Page], None]


def _nothing(_name: str, _page: Page) -> None:
    return None


def submit(page: Page) -> None:
    """Press the form's submit button (each sign-in and enrol page has one form in <main>)."""
    page.locator("main form button[type=submit]").click()


def staff_sign_in(page: Page, base: str, login: StaffLogin, seen: Seen = _nothing,
                  home: str = "/coordinator/") -> None:
    """Password, then the authenticator code; ends on the role's home page (an administrator's is /admin/)."""
    page.goto(f"{base}/staff/signin")
    seen("staff sign-in", page)
    page.fill("input[name=email]", login.email)
    page.fill("input[name=password]", login.password)
    submit(page)
    expect(page).to_have_url(f"{base}/staff/signin/verify")
    seen("staff TOTP page", page)
    page.fill("input[name=code]", pyotp.TOTP(login.secret).now())
    submit(page)
    expect(page).to_have_url(f"{base}{home}")
    if home == "/coordinator/":
        seen("coordinator dashboard", page)


def screen_options(playwright, size: str) -> dict:
    """Browser context options for a staff screen: ``tablet`` (an iPad Mini, 768x1024) or ``desktop`` (1366x900)."""
    if size == "tablet":
        device = dict(playwright.devices["iPad Mini"])
        device.pop("default_browser_type", None)  # Playwright's WebKit; Debian's Chromium is what we have
        return device
    if size == "desktop":
        return {"viewport": {"width": 1366, "height": 900}}
    raise ValueError(f"unknown screen {size!r}")


def other_hosts(requests: list[str]) -> list[str]:
    """The requested URLs whose host is not the live server's (127.0.0.1)."""
    return [url for url in requests if urlsplit(url).hostname != "127.0.0.1"]


def sms_code(sender: FakeSender, phone_e164: str) -> str:
    messages = sender.messages_to(phone_e164)
    assert messages, f"no SMS was sent to {phone_e164}"
    match = re.search(r"(?<!\d)(\d{6})(?!\d)", messages[-1].body)
    assert match, f"no 6-digit code in the SMS: {messages[-1].body!r}"
    return match.group(1)


def participant_sign_in(page: Page, base: str, sender: FakeSender, phone_e164: str, typed: str | None = None,
                        seen: Seen = _nothing) -> None:
    """Sign in as the participant would: the number as typed on the phone, then the code from the SMS."""
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/signin")
    seen("participant sign-in", page)
    page.fill("input[name=phone]", typed or phone_e164)
    submit(page)
    expect(page).to_have_url(f"{base}/signin/code")
    seen("code page", page)
    page.fill("input[name=code]", sms_code(sender, phone_e164))
    submit(page)
    expect(page).to_have_url(f"{base}/my/")
    seen("participant home", page)


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"  - {v['id']} [{v.get('impact')}]: {v['help']} ({v.get('helpUrl', '')})")
        for node in v["nodes"]:
            summary = "; ".join(line.strip() for line in node.get("failureSummary", "").splitlines()[1:])
            lines.append(f"      at {node['target']}: {summary}")
    return "\n".join(lines)


class AxeScan:
    """Scans each page it is shown with axe-core and reports every page's violations at the end."""

    def __init__(self) -> None:
        self.axe = Axe()
        self.results: dict[str, tuple[str, list[dict]]] = {}

    def __call__(self, name: str, page: Page) -> None:
        self.results[name] = (page.url, self.axe.run(page).response["violations"])

    def assert_clean(self, expected: list[str]) -> None:
        missing = [name for name in expected if name not in self.results]
        assert not missing, f"pages never scanned: {missing}"
        dirty = {name: r for name, r in self.results.items() if r[1]}
        report = "\n".join(f"{name} ({url}):\n{format_violations(v)}" for name, (url, v) in dirty.items())
        assert not dirty, f"axe found violations on {len(dirty)} of {len(self.results)} pages:\n{report}"


SMALL_TARGETS_JS = """
(minimum) => {
  const small = [];
  for (const el of document.querySelectorAll('a, button, input, select')) {
    if (el.type === 'hidden' || !el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    let height = box.height;
    if (el.type === 'checkbox' || el.type === 'radio') {
      // a small box is fine when its label (the real target) is tall enough
      for (const label of el.labels || []) height = Math.max(height, label.getBoundingClientRect().height);
    }
    if (height < minimum) {
      small.push({element: el.outerHTML.slice(0, 120), width: Math.round(box.width), height: Math.round(height)});
    }
  }
  return small;
}
"""


def small_tap_targets(page: Page) -> list[dict]:
    return page.evaluate(SMALL_TARGETS_JS, MIN_TAP)


def horizontal_overflow(page: Page) -> dict:
    return page.evaluate("""() => ({
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
        wide: [...document.querySelectorAll('body *')]
          .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
          .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')).slice(0, 10),
    })""")
