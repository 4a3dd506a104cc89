"""The participant, on a phone in Chinese: sign in with an SMS code, see the next visit first, get the
calendar file, and nothing is fetched from any other host. The page is also checked at 360 px wide."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from companion.models import Participant
from tests.e2e.helpers import horizontal_overflow, participant_sign_in, small_tap_targets

pytestmark = pytest.mark.e2e

WEEK_24_ZH = "门诊访视（第24周，最终评估）"
#: the calendar may be synced to other services and shown on a lock screen: no drug, disease or study
FORBIDDEN_IN_CALENDAR = re.compile(r"belimumab|lupus|\bSLE\b|狼疮|贝利尤单抗|NCT04956484", re.IGNORECASE)
_numbers = itertools.count(1)


@dataclass
class SignedIn:
    page: Page
    context: BrowserContext
    participant: Participant
    day1: date
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def signed_in(live_server, phone) -> SignedIn:
    """A participant enrolled 20 days ago (so two visits are past), signed in on a fresh phone."""
    n = next(_numbers)
    day1 = date.today() - timedelta(days=20)  # noqa: DTZ011 - a plausible day 1, not a rule input
    participant = live_server.participant(phone=f"+86139200000{n:02d}", study_id=f"E2E-P-{n}", day1=day1)
    context = phone(locale="zh-CN")
    page = context.new_page()
    state = SignedIn(page=page, context=context, participant=participant, day1=day1)
    context.on("request", lambda request: state.requests.append(request.url))
    typed = f"139 2000 00{n:02d}"  # a national number, spaced as people type it
    participant_sign_in(page, live_server.url, live_server.sender, participant.phone_e164, typed=typed)
    return state


@pytest.mark.e2e
def test_participant_signs_in_and_sees_the_next_visit_first(signed_in):
    page = signed_in.page
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    first_section = page.locator("main > section").first
    expect(first_section).to_have_attribute("aria-labelledby", "next-heading")
    expect(first_section.locator("#next-heading")).to_be_visible()
    expect(first_section.locator(".big")).not_to_be_empty()

    visits = page.locator("main #all-heading ~ ol.visits > li")
    expect(visits).to_have_count(8)
    expect(visits.last).to_contain_text(WEEK_24_ZH)
    expect(visits.last.locator(".endpoint")).to_be_visible()
    # day 1 and day 15 are over (no actual dates recorded); week 4 (day 29, in 8 days) is the next visit
    expect(page.locator("main li.visit-missed")).to_have_count(2)
    week_4 = visits.nth(2)
    expect(week_4).to_contain_text("第4周")
    next_box = first_section.bounding_box()
    list_box = page.locator("#all-heading").bounding_box()
    assert next_box["y"] < list_box["y"], "the next visit must come before the full schedule"


@pytest.mark.e2e
def test_calendar_file_names_no_drug_disease_or_study(signed_in, live_server):
    page = signed_in.page
    with page.expect_download() as info:
        page.locator("main a[href='/my/calendar.ics']").click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".ics")
    body = Path(download.path()).read_text(encoding="utf-8")

    assert body.startswith("BEGIN:VCALENDAR"), body[:200]
    assert body.count("BEGIN:VEVENT") == 6, "the eight visits less the two that are over"
    week_24 = signed_in.day1 + timedelta(days=168)
    assert f"DTSTART:{week_24:%Y%m%d}T003000Z" in body, "week 24 at 08:30 Asia/Shanghai"
    assert "SUMMARY:门诊就诊" in body
    found = FORBIDDEN_IN_CALENDAR.findall(body)
    assert not found, f"the calendar file names {sorted(set(found))}:\n{body}"


@pytest.mark.e2e
def test_no_requests_to_other_hosts(signed_in, live_server):
    page = signed_in.page
    page.reload()
    with page.expect_download():
        page.locator("main a[href='/my/calendar.ics']").click()
    page.locator("header button[lang=en]").click()  # the language switch posts and comes back
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"{live_server.url}/no-such-page")

    requests = signed_in.requests
    assert any("/static/css/app.css" in url for url in requests), requests  # the recorder works
    elsewhere = [url for url in requests if urlsplit(url).hostname != "127.0.0.1"]
    assert not elsewhere, f"requests to other hosts: {elsewhere}"


@pytest.mark.e2e
def test_home_at_360px_has_no_sideways_scroll_and_large_tap_targets(signed_in, artifacts):
    page = signed_in.page
    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    page.wait_for_load_state("load")

    overflow = horizontal_overflow(page)
    assert overflow["scrollWidth"] <= 360, f"horizontal scroll at 360 px: {overflow}"
    small = small_tap_targets(page)
    assert not small, "tap targets under 44 px tall:\n" + "\n".join(
        f"  {s['height']}x{s['width']} px: {s['element']}" for s in small)
    next_box = page.locator("main > section.next").bounding_box()
    assert next_box["y"] < 740, "the next visit should start on the first screen"

    page.screenshot(path=str(artifacts / "participant-home.png"), full_page=True)
