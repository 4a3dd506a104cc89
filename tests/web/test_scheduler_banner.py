"""The coordinator dashboard and the administration page say clearly when SMS reminders are not being sent
(issue 8, point 4): a banner (role="alert") when the scheduler's heartbeat is stale or missing, with the last
beat in the site's zone, in both languages; nothing when the heartbeat is fresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from companion.db import now_utc
from companion.services import heartbeat
from tests import factories

BANNER = 'id="reminders-not-running"'
NEVER_EN = "the reminder scheduler has never run"
SINCE_EN = "the reminder scheduler has not reported since"
NEVER_ZH = "提醒调度程序从未运行"
SINCE_ZH = "提醒调度程序自"


def _staff(db_session, site, role):
    login = factories.coordinator(db_session, site)
    login.user.role = role
    db_session.commit()
    return login


def _beat(db_session, at: datetime) -> None:
    heartbeat.record_beat(db_session, name=heartbeat.SCHEDULER, now=at, host="h", pid=1, start=True)


PAGES = [("coordinator", "/coordinator/"), ("investigator", "/coordinator/"), ("administrator", "/admin/")]


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_no_banner_while_the_heartbeat_is_fresh(client, db_session, site, signin_staff, role, path):
    _beat(db_session, now_utc() - timedelta(seconds=40))
    signin_staff(client, _staff(db_session, site, role))
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert BANNER not in html and "companion-scheduler" not in html


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_a_scheduler_that_never_ran_is_announced(client, db_session, site, signin_staff, role, path):
    signin_staff(client, _staff(db_session, site, role))
    html = client.get(path).get_data(as_text=True)
    assert BANNER in html and 'role="alert"' in html
    assert NEVER_EN in html
    assert "Reminders due now will wait. Ask IT to check the companion-scheduler service." in html


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_a_stale_heartbeat_is_announced_with_its_time_in_the_site_zone(client, db_session, site, signin_staff,
                                                                       role, path):
    last = datetime(2026, 3, 2, 1, 5, tzinfo=UTC)  # 09:05 in Beijing
    _beat(db_session, last)
    signin_staff(client, _staff(db_session, site, role))
    html = client.get(path).get_data(as_text=True)
    assert BANNER in html
    assert f"{SINCE_EN} 2026-03-02 09:05 (Asia/Shanghai)." in html
    assert NEVER_EN not in html


@pytest.mark.parametrize(("role", "path"), [("coordinator", "/coordinator/"), ("administrator", "/admin/")])
def test_the_banner_speaks_chinese(client, db_session, site, signin_staff, role, path):
    signin_staff(client, _staff(db_session, site, role), language="zh-CN")
    html = client.get(path).get_data(as_text=True)
    assert NEVER_ZH in html and "companion-scheduler" in html
    _beat(db_session, datetime(2026, 3, 2, 1, 5, tzinfo=UTC))
    html = client.get(path).get_data(as_text=True)
    assert f"{SINCE_ZH} 2026-03-02 09:05 (Asia/Shanghai)" in html and NEVER_ZH not in html


def test_participants_never_see_it(client, db_session, participant, signin_participant):
    signin_participant(client, participant)
    html = client.get("/my/").get_data(as_text=True)
    assert BANNER not in html and "companion-scheduler" not in html
