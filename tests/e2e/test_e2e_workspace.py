"""The coordinator workspace (issue 5) in English at tablet (iPad Mini) and desktop (1366x900) sizes: the
review flow from the dashboard to the audit trail, what an investigator may not do, the administration page,
axe on every page and no request to another host. Each test has a site of its own (so the dashboard shows
only the participants made here); data comes through the app's services in the live server's app context."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from companion.db import db, now_utc
from companion.models import Alert, Site
from companion.services import alerts, audit, diary, schedules
from tests import factories
from tests.e2e.helpers import AxeScan, other_hosts, screen_options, staff_sign_in

pytestmark = pytest.mark.e2e

SCREENS = ["tablet", "desktop"]
ACK_NOTE = "Phoned the participant; sent to the emergency department."
FIRST_VISIT, SAVE = "main table tbody tr[id^=visit-] td a", "main form button[type=submit].primary"
FLOW_PAGES = ["staff sign-in", "staff TOTP page", "coordinator dashboard", "dashboard filtered (RED)",
              "dashboard sorted by study ID", "participant page", "diary review page",
              "diary review page after sign-off", "assessment form (empty)", "assessment form (PGA 9)",
              "assessment with LLDAS result", "endpoint report", "alerts list", "exports page",
              "audit viewer (acknowledgements)", "data dictionary page", "participant record page"]
_numbers = itertools.count(1)


@dataclass
class Study:
    """A site of its own: a staff member and three participants (Q-n-QUIET, A-n-AMBER, R-n-RED: an open RED alert)."""
    code: str
    login: factories.StaffLogin
    ids: dict[str, int]  # study ID -> participant id, in study ID order
    red: str  # the study ID of the participant with the RED alert
    requests: list[str] = field(default_factory=list)


def make_study(live_server, role: str = "coordinator") -> Study:
    n = next(_numbers)
    with live_server.app.app_context():
        site = factories.site(db.session, code=f"WS{n}")
        login = factories.coordinator(db.session, site)
        login.user.role = role
        db.session.commit()
        today = schedules.local_today(site.timezone, now := now_utc())
        made = {kind: factories.participant(db.session, site, study_id=f"{kind[0]}-{n}-{kind}",
                                            day1=today - timedelta(days=20)) for kind in ("QUIET", "AMBER", "RED")}
        for kind, symptom in (("AMBER", "hair_loss"), ("RED", "neuro")):  # neuro raises a RED alert
            diary.save_day(db.session, made[kind], diary.DiaryInput(today, 4, 3, symptoms=(symptom,)), today=today,
                           actor=audit.Actor("participant", made[kind].id, site.id), now=now, late_days=3)
        red = db.session.scalars(select(Alert.tier).where(Alert.participant_id == made["RED"].id)).all()
        assert red == ["RED"], f"the neuro symptom should raise one RED alert, not {red}"
        entry = diary.entry_for(db.session, made["AMBER"], today)
        alerts.raise_alert(db.session, participant_id=made["AMBER"].id, tier="AMBER", rule="headache",
                           source_type=entry.__tablename__, source_id=entry.id, now=now,
                           details={"reason": "Severe headache", "local_date": today.isoformat()})
        db.session.commit()
        return Study(code=site.code, login=login, ids=dict(sorted((p.study_id, p.id) for p in made.values())),
                     red=made["RED"].study_id)


@pytest.fixture
def screen(browser, playwright):
    """``screen(size, study)``: a fresh English page on a tablet or desktop; its requests go to ``study.requests``."""
    contexts = []

    def open_page(size: str, study: Study) -> Page:
        context = browser.new_context(**screen_options(playwright, size), locale="en", timezone_id="Asia/Shanghai")
        context.set_default_timeout(15_000)
        context.on("request", lambda request: study.requests.append(request.url))
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def show(page: Page, **choices: str) -> None:  # the dashboard's filter and sort controls, then Show
    for name, value in choices.items():
        page.select_option(f"main form.filters select[name={name}]", value)
    page.locator("main form.filters button[type=submit]").click()


def review_alert_and_week(page: Page, scan: AxeScan) -> None:
    page.locator("main nav.tasks a[href$='/diary']").click()
    expect(page.locator("h1")).to_contain_text("Diary review")
    scan("diary review page", page)
    ack = page.locator("main form[action$='/acknowledge']")
    expect(ack).to_have_count(1)
    ack.locator("input[name=note]").fill(ACK_NOTE)
    ack.locator("button[type=submit]").click()
    expect(page.locator("main [role=status]").first).to_have_text("Alert acknowledged.")
    expect(page.locator("main .card", has_text="Acknowledged")).to_contain_text(ACK_NOTE)
    week = page.locator("main section.card").first  # the current week comes first
    week.locator("input[name=note]").fill("Week reviewed with the participant.")
    week.locator("button[type=submit]").click()
    expect(page.locator("main [role=status]").first).to_have_text("Week signed off.")
    expect(page.locator("main section.card").first).to_contain_text("Signed off")
    scan("diary review page after sign-off", page)


def assess_first_visit(page: Page, scan: AxeScan, descriptors: tuple[str, ...], in_lldas: bool) -> None:
    page.locator(FIRST_VISIT).first.click()
    expect(page.locator("h1")).to_have_text(re.compile(r"Visit 1 assessment"))
    scan("assessment form (empty)", page)
    page.fill("main #pga", "9")
    page.fill("main #prednisone_mg", "5")
    page.locator(SAVE).click()
    expect(page.locator("main [role=alert]")).to_be_visible()
    expect(page.locator("main #pga-error")).to_be_visible()
    scan("assessment form (PGA 9)", page)

    for key in descriptors:
        page.locator(f"main label[for='d-{key}']").click()
        expect(page.locator(f"main #d-{key}")).to_be_checked()
    page.fill("main #pga", "1")
    page.fill("main #prednisone_mg", "5")
    page.fill("main #weight_kg", "61.5")
    page.locator(SAVE).click()
    expect(page.locator("main [role=status]").first).to_contain_text("Assessment saved")
    result = page.locator("main #result-heading")
    expect(result).to_have_text("In LLDAS" if in_lldas else "Not in LLDAS")
    criteria = page.locator("main section.card ol > li")
    expect(criteria).to_have_count(5)
    expect(criteria.filter(has_text="not met")).to_have_count(0 if in_lldas else 1)
    scan("assessment with LLDAS result", page)


@pytest.mark.parametrize("size", SCREENS)
def test_review_flow(live_server, screen, artifacts, size):
    base, study, scan = live_server.url, make_study(live_server), AxeScan()
    page = screen(size, study)
    staff_sign_in(page, base, study.login, seen=scan)

    rows = page.locator("main table.dashboard tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first.locator("th")).to_have_text(study.red)  # open RED alerts first
    expect(rows.first).to_contain_text("RED 1")
    if size == "desktop":
        page.screenshot(path=str(artifacts / "workspace-dashboard-desktop.png"), full_page=True)
    show(page, tier="RED")
    expect(page).to_have_url(re.compile(r"tier=RED"))
    expect(rows).to_have_count(1)
    expect(rows.first.locator("th")).to_have_text(study.red)
    scan("dashboard filtered (RED)", page)
    show(page, tier="", sort="study_id")
    expect(rows.locator("th")).to_have_text(list(study.ids))
    scan("dashboard sorted by study ID", page)

    rows.locator("th a", has_text=study.red).click()
    expect(page.locator("h1")).to_have_text(study.red)
    scan("participant page", page)
    participant_url = page.url
    review_alert_and_week(page, scan)

    page.goto(participant_url)
    # desktop: descriptors worth 6 (criterion 1 not met); tablet: worth 4, in LLDAS
    in_lldas = size == "tablet"
    assess_first_visit(page, scan, ("rash", "alopecia") if in_lldas else ("rash", "arthritis"), in_lldas)
    if size == "tablet":
        page.screenshot(path=str(artifacts / "workspace-assessment-tablet.png"), full_page=True)

    page.goto(f"{base}/coordinator/")
    page.locator("main nav.tasks a[href$='/endpoint']").click()
    expect(page.locator("h1")).to_contain_text("LLDAS at week 24")
    expect(page.locator("main table tbody tr")).to_have_count(3)
    scan("endpoint report", page)
    page.goto(f"{base}/coordinator/")
    page.locator("main nav.tasks a[href$='/alerts']").click()
    expect(page.locator("main table tbody tr")).to_have_count(1)  # the RED one is acknowledged
    scan("alerts list", page)

    page.goto(f"{base}/coordinator/")
    page.locator("main nav.tasks a[href='/coordinator/exports']").click()
    expect(page.locator("h1")).to_have_text("Exports")
    scan("exports page", page)
    with page.expect_download() as download:
        page.locator("main a[href='/coordinator/exports/alerts.csv']").click()
    name = download.value.suggested_filename
    assert name.endswith(".csv") and name.startswith(f"{study.code}-alerts-"), name
    page.locator("main a[href='/coordinator/audit']").click()
    page.fill("main #filter-participant", study.red)
    page.fill("main #filter-action", "alert.acknowledge")
    page.locator("main form button[type=submit]").click()
    events = page.locator("main table tbody tr[id^=event-]")
    expect(events).to_have_count(1)
    expect(events.first).to_contain_text(ACK_NOTE)
    expect(events.first).to_contain_text(study.login.email)
    scan("audit viewer (acknowledgements)", page)
    page.locator("main p.back a").click()
    page.locator("main a[href='/coordinator/exports/dictionary']").click()
    expect(page.locator("h1")).to_have_text("Data dictionary")
    scan("data dictionary page", page)

    page.goto(participant_url)
    page.locator("main nav.tasks a[href$='/record']").click()
    expect(page.locator("h1")).to_have_text(f"Record of {study.red}")
    scan("participant record page", page)

    assert any("/static/css/app.css" in url for url in study.requests), "the request recorder works"
    assert not other_hosts(study.requests), f"requests to other hosts: {other_hosts(study.requests)}"
    scan.assert_clean(FLOW_PAGES)


def test_assessment_form_starts_from_the_saved_version_and_marks_errors(live_server, screen):
    """As the field macro does elsewhere: a correction starts from the saved values, an error marks its field."""
    base, study, problems = live_server.url, make_study(live_server), []
    page = screen("tablet", study)
    staff_sign_in(page, base, study.login)
    page.goto(f"{base}/coordinator/participants/{study.ids[study.red]}")
    page.locator(FIRST_VISIT).first.click()
    page.fill("main #pga", "1")
    page.fill("main #prednisone_mg", "5")  # nothing in the diary: the coordinator enters it
    page.locator(SAVE).click()
    expect(page.locator("main #result-heading")).to_have_text("In LLDAS")
    if (shown := page.input_value("main #prednisone_mg")) != "5":
        problems.append(f"#prednisone_mg shows {shown!r}, not the saved 5")
    for name, value in (("pga", "9"), ("prednisone_mg", "5"), ("reason", "PGA re-scored.")):
        page.fill(f"main #{name}", value)
    page.locator(SAVE).click()
    expect(page.locator("main #pga-error")).to_be_visible()
    pga = {name: page.get_attribute("main #pga", name) or "" for name in ("aria-invalid", "aria-describedby")}
    if pga["aria-invalid"] != "true" or "pga-error" not in pga["aria-describedby"].split():
        problems.append(f"#pga after an error: {pga}, not aria-invalid=true and aria-describedby=pga-error")
    if "has-error" not in (page.get_attribute("main div.field:has(> #pga)", "class") or ""):
        problems.append("the .field around #pga has no has-error class (no red border)")
    assert not problems, "\n".join(problems)


def test_investigator_reads_but_cannot_enrol_or_acknowledge(live_server, screen):
    base, study, scan = live_server.url, make_study(live_server, role="investigator"), AxeScan()
    page = screen("tablet", study)
    staff_sign_in(page, base, study.login, seen=scan)
    expect(page.locator("main table.dashboard tbody tr")).to_have_count(3)
    expect(page.locator("a[href='/coordinator/participants/new']")).to_have_count(0)

    page.locator("main nav.tasks a[href$='/endpoint']").click()
    expect(page.locator("h1")).to_contain_text("LLDAS at week 24")
    scan("endpoint report (investigator)", page)
    page.goto(f"{base}/coordinator/participants/{study.ids[study.red]}/diary")
    expect(page.locator("main div.card", has_text="Confusion")).to_contain_text("RED")
    expect(page.locator("form[action$='/acknowledge']")).to_have_count(0)
    scan("diary review page (investigator)", page)
    page.goto(f"{base}/coordinator/alerts")
    expect(page.locator("main table tbody tr")).to_have_count(2)
    expect(page.locator("form[action$='/acknowledge']")).to_have_count(0)
    scan("alerts list (investigator)", page)
    assert not other_hosts(study.requests), f"requests to other hosts: {other_hosts(study.requests)}"
    scan.assert_clean(["coordinator dashboard", "endpoint report (investigator)",
                       "diary review page (investigator)", "alerts list (investigator)"])


def test_administrator_creates_an_investigator_and_changes_site_settings(live_server, screen):
    base, study, scan = live_server.url, make_study(live_server, role="administrator"), AxeScan()
    page = screen("desktop", study)
    staff_sign_in(page, base, study.login, seen=scan, home="/admin/")
    scan("admin page", page)

    email = f"investigator-{study.code.lower()}@example.org"
    create = page.locator("main form[action='/admin/users']")
    for name, value in (("email", email), ("password", factories.PASSWORD)):
        create.locator(f"input[name={name}]").fill(value)
    create.locator("#role").select_option("investigator")
    create.locator("button[type=submit]").click()
    created = page.locator("main section[role=status]")
    expect(created.locator("h2")).to_contain_text(email)
    secret = created.locator("code").first.inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret), secret
    expect(page.locator("main table tbody tr", has_text=email)).to_contain_text("investigator")
    scan("admin page with a new account", page)
    page.goto(f"{base}/admin/")
    expect(page.locator("main", has_text=secret)).to_have_count(0)  # shown once only

    settings = page.locator("main form[action='/admin/site']")
    for name, value in (("red_escalation_minutes", "45"), ("contact_phone", "010-6915 0000")):
        settings.locator(f"input[name={name}]").fill(value)
    settings.locator("button[type=submit]").click()
    expect(page.locator("main [role=status]").first).to_have_text("Site settings saved.")
    expect(page.locator("main input[name=red_escalation_minutes]")).to_have_value("45")
    with live_server.app.app_context():
        site = db.session.scalar(select(Site).where(Site.code == study.code))
        assert (site.red_escalation_minutes, site.contact_phone) == (45, "010-6915 0000"), "saved and kept"
    scan("admin page after saving settings", page)

    newcomer = screen("tablet", study)  # the secret shown once is enough for the new account to sign in
    staff_sign_in(newcomer, base, factories.StaffLogin(None, email, factories.PASSWORD, secret))
    expect(newcomer.locator("a[href='/coordinator/participants/new']")).to_have_count(0)
    assert not other_hosts(study.requests), f"requests to other hosts: {other_hosts(study.requests)}"
    scan.assert_clean(["staff sign-in", "staff TOTP page", "admin page", "admin page with a new account",
                       "admin page after saving settings"])
