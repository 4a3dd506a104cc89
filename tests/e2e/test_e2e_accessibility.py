"""axe-core on every page of both journeys, as rendered on a phone: zero violations allowed.

All pages are scanned before the one assertion, so a failure lists every page's problems at once
(rule id, help text and the CSS targets of the offending nodes).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import AxeScan, participant_sign_in, staff_sign_in, submit

pytestmark = pytest.mark.e2e

PAGES = [
    "participant sign-in", "code page", "participant home", "error 404 page (participant, zh-CN)",
    "staff sign-in", "staff TOTP page", "coordinator dashboard", "enrol form", "enrol form with errors",
    "participant detail page", "error 404 page (staff, en)",
]


@pytest.mark.e2e
def test_every_page_has_no_axe_violations(live_server, phone):
    base = live_server.url
    scan = AxeScan()

    participant = live_server.participant(phone="+8613930000001", study_id="E2E-A11Y-1",
                                          day1=date.today() - timedelta(days=20))  # noqa: DTZ011
    page = phone(locale="zh-CN").new_page()
    participant_sign_in(page, base, live_server.sender, participant.phone_e164, seen=scan)
    response = page.goto(f"{base}/no-such-page")
    assert response.status == 404
    scan("error 404 page (participant, zh-CN)", page)

    staff = phone(locale="en").new_page()
    staff_sign_in(staff, base, live_server.coordinator(), seen=scan)
    staff.goto(f"{base}/coordinator/participants/new")
    scan("enrol form", staff)
    submit(staff)  # nothing filled in
    expect(staff.locator("main .field.has-error").first).to_be_visible()
    expect(staff.locator("main [role=alert]")).to_be_visible()
    scan("enrol form with errors", staff)

    staff.fill("main input[name=study_id]", "E2E-A11Y-2")
    staff.fill("main input[name=phone]", "139 3000 0002")
    staff.fill("main input[name=day1]", date.today().isoformat())  # noqa: DTZ011
    staff.fill("main input[name=weight_kg]", "58")
    submit(staff)
    expect(staff.locator("h1")).to_have_text("E2E-A11Y-2")
    scan("participant detail page", staff)
    response = staff.goto(f"{base}/coordinator/participants/999999")
    assert response.status == 404
    scan("error 404 page (staff, en)", staff)

    scan.assert_clean(PAGES)
