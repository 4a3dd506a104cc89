"""The data dictionary of the exports (issue 5, point 6), as data: every exported column is one line of a
table here, with its type, unit and meaning, so no column can be exported without being described.
``companion.services.exports`` builds the CSV files and the participant record from these definitions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from companion.domain.steroid_table import prednisone_equivalent
from companion.models import Alert, AuditEvent, CheckIn, DiaryEntry, Participant, SteroidDose, Visit
from companion.models.messaging import Reminder
from companion.models.workspace import Assessment

if TYPE_CHECKING:
    from companion.services.exports import Context

TYPES = {
    "integer": "whole number",
    "decimal": "decimal number with '.' as separator, as stored",
    "text": "text",
    "boolean": "true or false",
    "date": "calendar day, YYYY-MM-DD",
    "instant": "instant in UTC, ISO 8601 (e.g. 2026-03-02T01:15:00Z)",
    "time": "clock time HH:MM, in the site's zone",
    "json": "JSON document",
}


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    unit: str
    meaning: str
    get: Callable[[object, Context], object]


def _attr(name: str):
    return lambda row, _ctx: getattr(row, name)


def _study_id(row, ctx: Context):
    return ctx.study_ids.get(row.participant_id) if row.participant_id is not None else None


def _of_visit(get):
    """A getter of the visit's current assessment, applied to a visit row."""
    def wrapped(visit, ctx: Context):
        found = ctx.assessment_of_visit.get(visit.id)
        return get(found, ctx) if found is not None else None
    return wrapped


def _vials(size: str):
    return lambda row, _ctx: (row.vials or {}).get(size)


def _lldas(number: int):
    return lambda row, _ctx: next((c.get("met") for c in row.lldas_criteria or [] if c.get("number") == number), None)


def _table(spec: str, **getters) -> tuple[Column, ...]:
    """Columns from a table of lines "name type unit meaning" (unit "-" for none); a column reads the
    attribute of its name unless ``getters`` names another way."""
    columns = []
    for line in filter(None, (raw.strip() for raw in spec.splitlines())):
        name, type_, unit, meaning = line.split(None, 3)
        assert type_ in TYPES, line
        get = getters.pop(name, _study_id if name == "study_id" else _attr(name))
        columns.append(Column(name, type_, "" if unit == "-" else unit, meaning, get))
    assert not getters, f"getters for unknown columns: {sorted(getters)}"
    return tuple(columns)


VERSIONED = """
    row_id           integer -  id of this version
    record_id        integer -  id shared by every version of one record (the row_id of its version 1)
    version          integer -  version number: 1 for the original; each correction or void adds one
    supersedes_id    integer -  row_id of the version this one replaces (empty for version 1)
    superseded_at    instant -  when a newer version replaced this one (empty: this is the current version)
    voided           boolean -  this version voids the record (which stays visible, as voided)
    participant_id   integer -  internal id of the participant (participants.participant_id)
    study_id         text    -  trial participant identifier
    local_date       date    -  the participant's local calendar day the record is about
    late             boolean -  entered after that day was over
    created_at       instant -  when this version was stored
    created_by_type  text    -  who stored this version: participant or staff
    created_by       text    -  staff email, or the participant's study ID
    reason           text    -  why this version was made (corrections and voids)
"""
VERSIONED_GETTERS = {"row_id": _attr("id"), "created_by": lambda r, ctx: ctx.who(r.created_by_type, r.created_by_id)}
OWNER = """
    participant_id   integer -  internal id of the participant (participants.participant_id)
    study_id         text    -  trial participant identifier
"""


@dataclass(frozen=True, slots=True)
class Domain:
    name: str
    title: str
    columns: tuple[Column, ...]
    #: (site id, participant id or None) -> the select of its rows, in export order
    query: Callable


def scoped(model, site_id: int, participant_id: int | None):
    """Rows of ``model`` whose participant belongs to the site (and is ``participant_id`` when given)."""
    query = select(model).join(Participant, Participant.id == model.participant_id)
    query = query.where(Participant.site_id == site_id)
    return query.where(model.participant_id == participant_id) if participant_id is not None else query


def _versioned(model):
    return lambda site, pid: scoped(model, site, pid).order_by(Participant.study_id, model.record_id, model.version)


def audit_scope(site_id: int):
    """The site's audit trail: rows about the site itself or about one of its participants."""
    of_site = select(Participant.id).where(Participant.site_id == site_id)
    return select(AuditEvent).where(or_(AuditEvent.site_id == site_id, AuditEvent.participant_id.in_(of_site)))


def _audit_rows(site_id: int, pid: int | None):
    query = audit_scope(site_id)
    query = query.where(AuditEvent.participant_id == pid) if pid is not None else query
    return query.order_by(AuditEvent.at, AuditEvent.id)


def _participants(site_id: int, pid: int | None):
    query = select(Participant).where(Participant.site_id == site_id).order_by(Participant.study_id)
    return query.where(Participant.id == pid) if pid is not None else query


DOSE = """
    dose_mg       decimal mg    belimumab dose given at this infusion visit (10 mg/kg x weight)
    vials_120mg   integer vials 120 mg vials used for that dose
    vials_400mg   integer vials 400 mg vials used for that dose
"""
DOMAINS: dict[str, Domain] = {d.name: d for d in (
    Domain("participants", "Participants", _table("""
        participant_id      integer -  internal id of the participant
        study_id            text    -  trial participant identifier
        site_code           text    -  code of the site
        phone_e164          text    -  mobile number (E.164), used for sign-in and SMS reminders
        language            text    -  language of the app and of the SMS: zh-CN or en
        timezone            text    -  IANA time zone of the participant
        day1                date    -  study day 1, the day of the first infusion
        weight_kg           decimal kg weight at enrolment
        protocol_id         text    -  protocol file in force when the schedule was generated
        protocol_reading    text    -  protocol reading (A: 8 infusions; B: 7 infusions)
        sms_consent         boolean -  consent to SMS reminders through an overseas provider
        sms_consent_at      instant -  when that consent was last given or withdrawn
        sms_consent_version text    -  version of the consent wording
        active              boolean -  the participant can sign in
        created_at          instant -  when the participant was enrolled
    """, participant_id=_attr("id"), study_id=_attr("study_id"), site_code=lambda _r, ctx: ctx.site.code),
        _participants),
    Domain("visits", "Visits and doses given", _table("""
        visit_id        integer -    internal id of the visit
        participant_id  integer -    internal id of the participant (participants.participant_id)
        study_id        text    -    trial participant identifier
        visit_key       text    -    the protocol's key of the visit
        visit_number    integer -    visit number, 1 for the baseline
        study_day       integer day  protocol study day of the visit (day 1 = first infusion)
        week            integer week protocol week of the visit
        infusion        boolean -    an infusion visit
        endpoint        boolean -    the primary endpoint visit (week 24)
        loading         boolean -    a loading-dose infusion (days 1, 15 and 29)
        target_date     date    -    target day under the protocol (anchored to day 1)
        window_start    date    -    first day of the visit window
        window_end      date    -    last day of the visit window
        planned_date    date    -    day the visit was moved to (empty: the target day)
        planned_time    time    -    clinic time of the appointment
        actual_date     date    -    day the visit took place, recorded by the site
        updated_at      instant -    last change of this visit row
        assessment_id   integer -    row_id of the current assessment of this visit (assessments export)
        weight_kg       decimal kg   weight on the day of the visit, from its assessment
    """ + DOSE, visit_id=_attr("id"), visit_key=_attr("key"), visit_number=_attr("number"),
        assessment_id=_of_visit(_attr("id")), weight_kg=_of_visit(_attr("weight_kg")),
        dose_mg=_of_visit(_attr("dose_mg")), vials_120mg=_of_visit(_vials("120")),
        vials_400mg=_of_visit(_vials("400"))),
        lambda site, pid: scoped(Visit, site, pid).order_by(Participant.study_id, Visit.number)),
    Domain("diary", "Daily diary, every version", _table(VERSIONED + """
        fatigue         integer points fatigue score, 0 (none) to 10 (worst)
        joint_pain      integer points joint pain score, 0 (none) to 10 (worst)
        temperature_c   decimal °C     body temperature, when unwell
        symptoms        json    -      list of the yes/no symptoms answered yes, by key
        note            text    -      the participant's free-text note
    """, **VERSIONED_GETTERS), _versioned(DiaryEntry)),
    Domain("steroid_doses", "Oral steroid doses, every version", _table(VERSIONED + """
        drug                     text    -      steroid drug key (companion.domain.steroid_table)
        strength_mg              decimal mg     tablet strength (empty when the dose was entered in mg)
        tablets                  decimal tablets number of tablets (empty when the dose was entered in mg)
        dose_mg                  decimal mg     dose taken, in mg of the drug itself
        prednisone_equivalent_mg decimal mg     the dose as mg of prednisone (factors of DOMAIN.md section 2)
    """, **VERSIONED_GETTERS, prednisone_equivalent_mg=lambda r, _ctx: prednisone_equivalent(r.drug, r.dose_mg)),
        _versioned(SteroidDose)),
    Domain("check_ins", "Check-ins, every version", _table(VERSIONED + """
        kind      text    -      post_infusion (reaction check-in), phq2 or phq9
        answers   json    -      item answers: {item key: score}
        total     integer points sum of the item scores
        visit_id  integer -      the infusion visit a post-infusion check-in follows
    """, **VERSIONED_GETTERS), _versioned(CheckIn)),
    Domain("alerts", "Alerts", _table("""
        alert_id        integer -  internal id of the alert
    """ + OWNER + """
        tier            text    -  RED, AMBER or INFO (DOMAIN.md section 6)
        rule            text    -  key of the rule that raised it
        source_type     text    -  table of the record that raised it
        source_id       integer -  row id of the record that raised it
        details         json    -  plain details of the finding
        raised_at       instant -  when the alert was raised
        acknowledged_at instant -  when it was acknowledged (empty: still open)
        acknowledged_by text    -  email of the staff member who acknowledged it
        action_note     text    -  what was done about it
    """, alert_id=_attr("id"),
        acknowledged_by=lambda r, ctx: ctx.who("staff", r.acknowledged_by_id) if r.acknowledged_by_id else None),
        lambda site, pid: scoped(Alert, site, pid).order_by(Alert.raised_at, Alert.id)),
    Domain("assessments", "Visit assessments, every version", _table(VERSIONED + """
        visit_id                     integer -      the visit assessed (visits.visit_id)
        variant                      text    -      index scored: SLEDAI-2K or SELENA-SLEDAI
        descriptors                  json    -      list of the SLEDAI-2K descriptors present, by key
        sledai_total                 integer points SLEDAI-2K total, 0-105
        haemolytic_anaemia           boolean -      haemolytic anaemia present
        gi_activity                  boolean -      gastrointestinal lupus activity present
        new_activity                 boolean -      coordinator: new lupus activity since the previous assessment
        pga                          decimal points physician global assessment, 0-3
        immunosuppressants           json    mg/day current immunosuppressants: {drug key: mg/day}
        immunosuppressants_tolerated boolean -      the immunosuppressants are well tolerated
        prednisone_mg                decimal mg/day prednisone equivalent used for LLDAS
        prednisone_from_diary        decimal mg/day what the diary said that day (empty: nothing logged)
        prednisone_reason            text    -      why another value than the diary's was used
        weight_kg                    decimal kg     weight on the day
    """ + DOSE + """
        lldas_1_disease_activity     boolean -  LLDAS criterion 1 met: SLEDAI-2K <= 4, no major organ, haemolytic or GI activity
        lldas_2_no_new_activity      boolean -  LLDAS criterion 2 met: no new lupus activity since the previous assessment
        lldas_3_pga                  boolean -  LLDAS criterion 3 met: physician global assessment <= 1
        lldas_4_prednisone           boolean -  LLDAS criterion 4 met: prednisone equivalent <= 7.5 mg/day
        lldas_5_immunosuppressants   boolean -  LLDAS criterion 5 met: maintenance immunosuppressants within the maxima, tolerated
        in_lldas                     boolean -  in LLDAS: all five criteria met
    """, **VERSIONED_GETTERS, vials_120mg=_vials("120"), vials_400mg=_vials("400"),  # noqa: E501
        **{f"lldas_{n}_{key}": _lldas(n) for n, key in enumerate(
            ("disease_activity", "no_new_activity", "pga", "prednisone", "immunosuppressants"), start=1)}),
        _versioned(Assessment)),
    Domain("messages", "SMS reminders (never the message text)", _table("""
        reminder_id       integer  -        internal id of the reminder
    """ + OWNER + """
        kind              text     -        visit_d2, visit_d1, visit_d0 (before or on a visit day) or diary
        visit_id          integer  -        the visit it is about
        subject_date      date     -        the visit's day, or the diary day it is about
        visit_time        time     -        clinic time of the visit
        due_at            instant  -        when it is due to be sent
        expires_at        instant  -        after this it is no longer useful and is never sent
        status            text     -        pending, claimed, sent, delivered, undelivered, failed, expired, cancelled or needs_reconciliation
        attempts          integer  attempts send attempts made
        claimed_at        instant  -        when a dispatcher pass claimed it
        sent_at           instant  -        when the provider accepted it
        provider_sid      text     -        the provider's message id
        provider_status   text     -        the provider's last status
        status_changed_at instant  -        when that status was received
        error_code        integer  -        the provider's error code (e.g. 21610: unsubscribed)
        error_message     text     -        short technical error message (never the text or the number)
        language          text     -        language the message was written in
        segments          integer  segments SMS segments of the message
        created_at        instant  -        when the reminder was planned
        updated_at        instant  -        last change of the reminder
    """, reminder_id=_attr("id")),  # noqa: E501
        lambda site, pid: scoped(Reminder, site, pid).order_by(Reminder.due_at, Reminder.id)),
    Domain("audit_trail", "Audit trail", _table("""
        event_id      integer -  internal id of the audit event
        at            instant -  when it happened
        actor_type    text    -  staff, participant, cli (command line) or system
        actor_id      integer -  internal id of the staff member or participant
        actor         text    -  staff email, participant study ID, cli or system
        action        text    -  what was done, e.g. visit.move, diary_entries.correct, export.diary
        entity_type   text    -  kind of record concerned
        entity_id     integer -  id of the record concerned
    """ + OWNER + """
        site_id       integer -  internal id of the site, for events about the site
        reason        text    -  the reason given
        changes       json    -  old and new values {"field": [old, new]}, or details of the event
    """, event_id=_attr("id"), actor=lambda r, ctx: ctx.who(r.actor_type, r.actor_id)), _audit_rows),
)}
