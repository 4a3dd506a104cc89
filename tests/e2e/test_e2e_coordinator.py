"""The coordinator, on a phone: sign in with password and authenticator code, enrol a participant."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import staff_sign_in, submit

pytestmark = pytest.mark.e2e


def fill_enrolment(page: Page, *, study_id: str, phone: str, day1: date, weight: str) -> None:
    page.fill("input[name=study_id]", study_id)
    page.fill("input[name=phone]", phone)
    page.check("main input[name=language][value=zh-CN]")
    page.fill("input[name=day1]", day1.isoformat())
    page.fill("input[name=weight_kg]", weight)
    page.check("input[name=sms_consent]")


@pytest.mark.e2e
def test_coordinator_signs_in_and_enrols_a_participant(live_server, phone):
    base = live_server.url
    login = live_server.coordinator()
    page = phone(locale="en").new_page()

    staff_sign_in(page, base, login)

    page.locator("main a[href='/coordinator/participants/new']").click()
    expect(page).to_have_url(f"{base}/coordinator/participants/new")
    expect(page.locator("main input[name=language][value=zh-CN]")).to_be_checked()  # the default
    day1 = date.today() - timedelta(days=20)  # noqa: DTZ011 - any day within a year of today will do
    fill_enrolment(page, study_id="E2E-COORD-1", phone="139 1000 0001", day1=day1, weight="62.5")
    submit(page)

    expect(page).to_have_url(re.compile(re.escape(base) + r"/coordinator/participants/\d+$"))
    expect(page.locator("h1")).to_have_text("E2E-COORD-1")
    expect(page.locator("main [role=status]").first).to_contain_text("E2E-COORD-1")  # "... enrolled."
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("+8613910000001")
    expect(facts).to_contain_text("zh-CN")
    expect(facts).to_contain_text("62.5 kg")
    expect(facts).to_contain_text(live_server.app.config["SMS_CONSENT_VERSION"])

    visits = page.locator("main table tbody tr[id^=visit-]")
    expect(visits).to_have_count(8)
    expect(visits.first.locator("td").nth(2)).to_contain_text(day1.isoformat())
    expect(visits.last).to_contain_text("week 24")

    page.goto(f"{base}/coordinator/")  # and the dashboard lists the new participant
    expect(page.locator("main table tbody th a", has_text="E2E-COORD-1")).to_be_visible()
