"""The diary on a phone, in Chinese and English: a whole day on one screen (scores, symptoms, a steroid dose),
the weekly mood check-in that ends on the urgent help page, the post-infusion check-in, axe on every diary
page, and the diary and trends pages at 360 px. Each participant's day 1 (an infusion) was 3 days ago in
Asia/Shanghai. Pages are found by URL, field names and ids; visible text is checked only where it is the point.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from companion.db import db
from companion.models import Alert, CheckIn, Participant
from tests import factories
from tests.e2e.helpers import (
    AxeScan,
    horizontal_overflow,
    participant_sign_in,
    small_tap_targets,
    submit,
)

pytestmark = pytest.mark.e2e

LANGUAGES = ["zh-CN", "en"]
SITE_CONTACTS = {"emergency_number": "999", "emergency_department": "PUMCH Emergency, Dongdan campus",
                 "contact_phone": "010-6915 6114"}
EQUIVALENT_10MG = {"zh-CN": "今日泼尼松等效剂量：10 mg", "en": "Prednisone equivalent today: 10 mg"}
PREDNISONE_ACETATE = {"zh-CN": "醋酸泼尼松", "en": "Prednisone acetate"}
SYMPTOMS = ("hair_loss", "mouth_sores")  # neither is a RED rule: the diary stays on screen after saving
DIARY_LINK = "main nav.tasks a[href='/my/diary']"
SAME_AS_YESTERDAY = "main button[formaction='/my/steroids/same-as-yesterday']"
ENGLISH = re.compile(r"[A-Za-z]{3,}\s+[A-Za-z]{3,}")  # two English words: a message the catalogue lacks
_numbers = itertools.count(1)


@dataclass
class Journey:
    page: Page
    base: str
    participant: Participant
    language: str
    requests: list[str] = field(default_factory=list)

    def assert_stayed_local(self) -> None:
        assert any("/static/css/app.css" in url for url in self.requests), self.requests  # recorder works
        elsewhere = [url for url in self.requests if urlsplit(url).hostname != "127.0.0.1"]
        assert not elsewhere, f"requests to other hosts: {elsewhere}"


@pytest.fixture
def start(live_server, phone):
    """``start(language)``: a participant whose day 1 infusion was 3 days ago, signed in on a fresh phone."""
    with live_server.app.app_context():
        site = factories.site(db.session)
        for name, value in SITE_CONTACTS.items():
            setattr(site, name, value)
        db.session.commit()

    def begin(language: str = "zh-CN") -> Journey:
        n = next(_numbers)
        day1 = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=3)
        participant = live_server.participant(phone=f"+86139400000{n:02d}", study_id=f"E2E-D-{n}", day1=day1,
                                              language=language)
        context = phone(locale=language)
        journey = Journey(context.new_page(), live_server.url, participant, language)
        context.on("request", lambda request: journey.requests.append(request.url))
        participant_sign_in(journey.page, live_server.url, live_server.sender, participant.phone_e164)
        return journey

    return begin


def tap(page: Page, input_id: str) -> None:
    """Radios and checkboxes are styled as buttons: people tap the label."""
    page.locator(f"main label[for='{input_id}']").click()


def add_dose(page: Page, drug: str = "prednisone_acetate", strength: str = "5", tablets: str = "2") -> None:
    page.locator("main details > summary").click()
    page.select_option("main select[name=drug]", drug)
    page.fill("main input[name=strength_mg]", strength)
    page.fill("main input[name=tablets]", tablets)
    page.locator("main button[formaction='/my/steroids']").click()
    expect(page.locator("main ul.doses > li")).to_have_count(1)


def save_diary(page: Page) -> None:
    page.locator("main #save-diary").click()


def answer(page: Page, answers: dict[str, int]) -> None:
    for key, value in answers.items():
        tap(page, f"{key}-{value}")
    submit(page)


def alerts_of(live_server, participant: Participant) -> set[tuple[str, str]]:
    with live_server.app.app_context():
        rows = db.session.scalars(select(Alert).where(Alert.participant_id == participant.id))
        return {(row.tier, row.rule) for row in rows}


def log_a_day(page: Page, base: str) -> None:
    """Dose first (its form reloads the page), then the day's scores; ends on the saved diary."""
    page.goto(f"{base}/my/diary")
    add_dose(page)
    tap(page, "fatigue-3")
    tap(page, "joint_pain-5")
    save_diary(page)
    expect(page.locator("main .notice[role=status]")).to_be_visible()
    expect(page.locator("#fatigue-3")).to_be_checked()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_whole_day_on_one_screen_with_a_steroid_dose(start, language):
    journey = start(language)
    page = journey.page
    page.locator(DIARY_LINK).click()
    expect(page).to_have_url(f"{journey.base}/my/diary")
    expect(page.locator("html")).to_have_attribute("lang", language)
    same_as_yesterday_offered = page.locator(SAME_AS_YESTERDAY).count()

    tap(page, "fatigue-4")
    tap(page, "joint_pain-6")
    for key in SYMPTOMS:
        tap(page, f"s-{key}")
    expect(page.locator("#fatigue-4")).to_be_checked()
    expect(page.locator(f"#s-{SYMPTOMS[0]}")).to_be_checked()
    add_dose(page)
    doses = page.locator("main ul.doses")
    expect(doses).to_contain_text(PREDNISONE_ACETATE[language])
    expect(page.locator("main section[aria-labelledby=steroid-heading]")).to_contain_text(EQUIVALENT_10MG[language])
    for chosen in ("fatigue-4", "joint_pain-6", *(f"s-{key}" for key in SYMPTOMS)):
        expect(page.locator(f"#{chosen}"), "adding a dose must keep what was tapped on the same screen").to_be_checked()

    save_diary(page)
    expect(page).to_have_url(f"{journey.base}/my/diary")
    expect(page.locator("main .notice[role=status]")).to_be_visible()
    page.goto(f"{journey.base}/my/")
    page.locator(DIARY_LINK).click()  # now "Today's diary (done, change it)"
    for chosen in ("fatigue-4", "joint_pain-6", *(f"s-{key}" for key in SYMPTOMS)):
        expect(page.locator(f"#{chosen}")).to_be_checked()
    expect(page.locator("#fatigue-0")).not_to_be_checked()
    expect(page.locator("#s-new_rash")).not_to_be_checked()
    expect(page.locator("main section[aria-labelledby=steroid-heading]")).to_contain_text(EQUIVALENT_10MG[language])
    assert same_as_yesterday_offered == 0, "'Same as yesterday' was offered with nothing logged yesterday"
    journey.assert_stayed_local()


@pytest.mark.parametrize("language", LANGUAGES)
def test_self_harm_answer_leads_at_once_to_urgent_help(start, live_server, language):
    journey = start(language)
    page = journey.page
    page.locator("main nav.tasks a[href='/my/check-in/mood']").click()
    answer(page, {"phq1": 2, "phq2": 1})  # PHQ-2 total 3: the PHQ-9 opens
    expect(page).to_have_url(f"{journey.base}/my/check-in/mood/more")
    answer(page, {**{f"phq{n}": 0 for n in range(1, 9)}, "phq9": 1})

    expect(page).to_have_url(f"{journey.base}/my/urgent")
    call = page.locator("main a[href='tel:999']")
    expect(call).to_be_visible()
    expect(call).to_contain_text("999")
    urgent = page.locator("main section.urgent")
    expect(urgent).to_contain_text(SITE_CONTACTS["contact_phone"])
    expect(urgent).to_contain_text(SITE_CONTACTS["emergency_department"])
    assert ("RED", "self_harm") in alerts_of(live_server, journey.participant)
    journey.assert_stayed_local()


def test_post_infusion_check_in_is_offered_three_days_after_and_saves(start, live_server):
    journey = start("zh-CN")
    page = journey.page
    reaction = page.locator("main nav.tasks a[href='/my/check-in/reaction']")
    expect(reaction).to_be_visible()
    reaction.click()
    expect(page.locator("main fieldset")).to_have_count(9)
    answer(page, {"itching": 0, "hives_rash": 0, "face_swelling": 0, "breathless_wheeze": 0, "dizzy_faint": 0,
                  "nausea": 1, "headache": 2, "muscle_pain": 0, "fatigue": 1})

    expect(page).to_have_url(f"{journey.base}/my/")
    expect(page.locator("main .notice[role=status]")).to_contain_text("研究团队会查看")
    with live_server.app.app_context():
        saved = db.session.scalars(select(CheckIn).where(CheckIn.participant_id == journey.participant.id)).all()
        assert [(c.kind, c.total, c.answers["headache"]) for c in saved] == [("post_infusion", 4, 2)]
    assert alerts_of(live_server, journey.participant) == {("AMBER", "reaction")}
    journey.assert_stayed_local()


DIARY_PAGES = ["diary (empty)", "diary with a validation error", "diary after saving", "post-infusion check-in",
               "PHQ-2", "PHQ-9", "urgent help page", "trends"]


def test_diary_pages_have_no_axe_violations(start):
    journey = start("zh-CN")
    page, base, scan = journey.page, journey.base, AxeScan()
    page.goto(f"{base}/my/diary")
    scan("diary (empty)", page)
    page.fill("main input[name=temperature_c]", "45")
    save_diary(page)
    expect(page.locator("#temperature_c-error")).to_be_visible()
    scan("diary with a validation error", page)
    log_a_day(page, base)
    scan("diary after saving", page)

    page.goto(f"{base}/my/check-in/reaction")
    scan("post-infusion check-in", page)
    page.goto(f"{base}/my/check-in/mood")
    scan("PHQ-2", page)
    answer(page, {"phq1": 3, "phq2": 3})
    expect(page).to_have_url(f"{base}/my/check-in/mood/more")
    scan("PHQ-9", page)
    answer(page, {**{f"phq{n}": 1 for n in range(1, 9)}, "phq9": 2})
    expect(page).to_have_url(f"{base}/my/urgent")
    scan("urgent help page", page)
    page.goto(f"{base}/my/trends")
    scan("trends", page)
    scan.assert_clean(DIARY_PAGES)


def test_diary_and_trends_at_360px(start, artifacts):
    journey = start("zh-CN")
    page = journey.page
    page.set_viewport_size({"width": 360, "height": 740})
    log_a_day(page, journey.base)
    problems = {}
    for name in ("diary", "trends"):
        page.goto(f"{journey.base}/my/{name}")
        page.wait_for_load_state("load")
        if name == "diary":
            page.locator("main details > summary").click()  # the add-dose form is checked too
        overflow = horizontal_overflow(page)
        if overflow["scrollWidth"] > 360:
            problems[f"{name}: horizontal scroll"] = overflow
        small = small_tap_targets(page)
        if small:
            problems[f"{name}: tap targets under 44 px"] = [f"{s['height']}x{s['width']} {s['element']}"
                                                          for s in small]
        english = [line for line in page.locator("main").inner_text().splitlines() if ENGLISH.search(line)]
        if english:
            problems[f"{name}: English text on a zh-CN page"] = english
        page.screenshot(path=str(artifacts / f"{name}-360.png"), full_page=True)
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())
