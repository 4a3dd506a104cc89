"""The journeys of README "Deploy"'s acceptance, in Chromium over https:// through nginx to gunicorn in
production settings: a participant on a phone (sign-in by SMS code through the real twilio library, a diary
day with a steroid dose, reminder settings) and a coordinator at a desk (password and TOTP, enrolment, an
assessment, a CSV export, sign-out), with axe on every page."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from tests.e2e.helpers import AxeScan, participant_sign_in, staff_sign_in, submit

pytestmark = pytest.mark.production

_numbers = itertools.count(1)


def enrol_by_command(production, *extra: str) -> tuple[str, str]:
    """README "Deploy": enrolment from the command line (the coordinator's form is tested below)."""
    n = next(_numbers)
    study_id, phone = f"PROD-P{n:03d}", f"+861390000{n:04d}"
    production.cli("enrol", "--study-id", study_id, "--phone", phone, "--start",
                   (date.today() - timedelta(days=10)).isoformat(), "--weight", "58",  # noqa: DTZ011
                   "--language", "zh-CN", "--sms-consent", *extra)
    return study_id, phone


def test_participant_on_a_phone_signs_in_logs_a_day_and_sets_reminders(production, new_context):
    base, scan = production.url, AxeScan()
    study_id, phone = enrol_by_command(production)
    page: Page = new_context("phone", "zh-CN").new_page()

    participant_sign_in(page, base, production.twilio, phone, seen=scan)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("main")).to_contain_text("日记"), "Chinese text: the catalogues are compiled and loaded"

    page.goto(f"{base}/my/diary")
    page.locator("main details > summary").click()
    page.select_option("main select[name=drug]", "prednisone_acetate")
    page.fill("main input[name=strength_mg]", "5")
    page.fill("main input[name=tablets]", "2")
    page.locator("main button[formaction='/my/steroids']").click()
    expect(page.locator("main ul.doses > li")).to_have_count(1)
    page.locator("main label[for='fatigue-3']").click()
    page.locator("main label[for='joint_pain-2']").click()
    page.locator("main #save-diary").click()
    expect(page.locator("main .notice[role=status]")).to_be_visible()
    scan("diary saved", page)

    page.goto(f"{base}/my/reminders")
    page.fill("main input[name=reminder_time]", "19:30")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/my/reminders")
    expect(page.locator("main [role=status]").first).to_be_visible()
    expect(page.locator("main input[name=reminder_time]")).to_have_value("19:30")
    scan("reminder settings saved", page)

    with production.db.connect() as conn:
        saved = conn.execute(text(
            "SELECT e.fatigue, e.joint_pain, (SELECT count(*) FROM steroid_doses d WHERE d.participant_id = p.id) "
            "FROM diary_entries e JOIN participants p ON p.id = e.participant_id WHERE p.study_id = :s"),
            {"s": study_id}).one()
        reminder_time = conn.execute(text(
            "SELECT r.reminder_time FROM reminder_preferences r JOIN participants p ON p.id = r.participant_id "
            "WHERE p.study_id = :s"), {"s": study_id}).scalar_one()
    assert tuple(saved) == (3, 2, 1)
    assert reminder_time.strftime("%H:%M") == "19:30"
    scan.assert_clean(["participant sign-in", "code page", "participant home", "diary saved",
                       "reminder settings saved"])


def test_coordinator_at_a_desk_enrols_assesses_exports_and_signs_out(production, new_context):
    base, scan = production.url, AxeScan()
    page: Page = new_context("desktop", "en").new_page()
    staff_sign_in(page, base, production.coordinator, seen=scan)

    page.locator("main a[href='/coordinator/participants/new']").click()
    scan("enrolment form", page)
    page.fill("input[name=study_id]", "PROD-C001")
    page.fill("input[name=phone]", "139 2000 0001")
    page.check("main input[name=language][value=zh-CN]")
    page.fill("input[name=day1]", (date.today() - timedelta(days=3)).isoformat())  # noqa: DTZ011
    page.fill("input[name=weight_kg]", "62.5")
    page.check("input[name=sms_consent]")
    submit(page)
    expect(page).to_have_url(re.compile(re.escape(base) + r"/coordinator/participants/\d+$"))
    expect(page.locator("h1")).to_have_text("PROD-C001")
    scan("participant page", page)

    page.locator("main table tbody tr[id^=visit-] td a").first.click()
    expect(page.locator("h1")).to_have_text(re.compile(r"Visit 1 assessment"))
    page.locator("main label[for='d-rash']").click()
    page.fill("main #pga", "1")
    page.fill("main #prednisone_mg", "5")
    page.fill("main #weight_kg", "62.5")
    page.locator("main form button[type=submit].primary").click()
    expect(page.locator("main [role=status]").first).to_contain_text("Assessment saved")
    expect(page.locator("main #result-heading")).to_have_text("In LLDAS")
    scan("assessment with LLDAS", page)

    page.goto(f"{base}/coordinator/exports")
    scan("exports page", page)
    with page.expect_download() as download:
        page.locator("main a[href='/coordinator/exports/participants.csv']").click()
    csv_text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: PTH123
    assert download.value.suggested_filename.endswith(".csv")
    assert "PROD-C001" in csv_text and csv_text.endswith("\n")

    page.locator("header form[action='/signout'] button").click()
    page.goto(f"{base}/coordinator/")
    expect(page).to_have_url(re.compile(r"/staff/signin"))
    scan.assert_clean(["staff sign-in", "staff TOTP page", "coordinator dashboard", "enrolment form",
                       "participant page", "assessment with LLDAS", "exports page"])
