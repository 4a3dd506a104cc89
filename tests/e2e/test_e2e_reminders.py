"""Reminder settings in the browser: the participant's page (/my/reminders) on a phone in Chinese, and a
participant's messages page for the coordinator at tablet and desktop sizes in English. axe finds no
violations on either (also with a saved notice and with errors), and nothing is fetched from another host.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import AxeScan, other_hosts, participant_sign_in, screen_options, staff_sign_in

pytestmark = pytest.mark.e2e

_numbers = itertools.count(1)


def enrolled(live_server, language: str = "zh-CN"):
    n = next(_numbers)
    return live_server.participant(phone=f"+86139600000{n:02d}", study_id=f"E2E-REM-{n}", language=language,
                                   day1=date.today() - timedelta(days=10))  # noqa: DTZ011 - any recent day 1


@pytest.fixture
def staff_page(browser, playwright):
    """``staff_page(size, requests)``: a fresh English page at tablet or desktop size, its requests recorded."""
    contexts = []

    def open_page(size: str, requests: list[str]):
        context = browser.new_context(**screen_options(playwright, size), locale="en", timezone_id="Asia/Shanghai")
        context.set_default_timeout(15_000)
        context.on("request", lambda request: requests.append(request.url))
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def test_participant_reminder_settings_on_a_phone_in_chinese(live_server, phone):
    base, scan, requests = live_server.url, AxeScan(), []
    participant = enrolled(live_server)
    context = phone(locale="zh-CN")
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    participant_sign_in(page, base, live_server.sender, participant.phone_e164)

    page.locator("main a[href='/my/reminders']").click()
    expect(page).to_have_url(f"{base}/my/reminders")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("main input[name=sms][value=on]")).to_be_checked()
    scan("reminder preferences (zh-CN)", page)

    page.fill("main input[name=reminder_time]", "19:30")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/my/reminders")
    expect(page.locator("main [role=status]").first).to_be_visible()
    expect(page.locator("main input[name=reminder_time]")).to_have_value("19:30")
    scan("reminder preferences, saved (zh-CN)", page)

    page.fill("main input[name=quiet_start]", "")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main [role=alert]")).to_be_visible()
    expect(page.locator("main #quiet_start-error")).to_be_visible()
    scan("reminder preferences with an error (zh-CN)", page)

    assert any("/static/css/app.css" in url for url in requests), "the request recorder works"
    assert not other_hosts(requests), f"requests to other hosts: {other_hosts(requests)}"
    scan.assert_clean(["reminder preferences (zh-CN)", "reminder preferences, saved (zh-CN)",
                       "reminder preferences with an error (zh-CN)"])


@pytest.mark.parametrize("size", ["tablet", "desktop"])
def test_coordinator_messages_page(live_server, staff_page, size):
    base, scan, requests = live_server.url, AxeScan(), []
    participant = enrolled(live_server)
    page = staff_page(size, requests)
    staff_sign_in(page, base, live_server.coordinator())

    page.goto(f"{base}/coordinator/participants/{participant.id}")
    page.locator("main a[href$='/messages']").click()
    expect(page).to_have_url(f"{base}/coordinator/participants/{participant.id}/messages")
    expect(page.locator("h1")).to_contain_text(participant.study_id)
    expect(page.locator("main table tbody tr").first).to_be_visible()
    scan("coordinator messages page", page)

    page.fill("main input[name=reminder_time]", "18:00")
    page.locator("main form button[type=submit]").click()  # no reason given
    expect(page.locator("main [role=alert]")).to_be_visible()
    expect(page.locator("main #reason-error")).to_be_visible()
    expect(page.locator("main #reason")).to_have_attribute("aria-invalid", "true")
    scan("coordinator messages page with errors", page)

    page.fill("main #reason", "Participant asked by phone for evening reminders.")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/coordinator/participants/{participant.id}/messages$"))
    expect(page.locator("main [role=status]").first).to_contain_text(participant.study_id)
    expect(page.locator("main input[name=reminder_time]")).to_have_value("18:00")
    scan("coordinator messages page, saved", page)

    assert any("/static/css/app.css" in url for url in requests), "the request recorder works"
    assert not other_hosts(requests), f"requests to other hosts: {other_hosts(requests)}"
    scan.assert_clean(["coordinator messages page", "coordinator messages page with errors",
                       "coordinator messages page, saved"])
