"""Visit assessments: SLEDAI-2K, PGA and the rest, with LLDAS computed and stored criterion by criterion
(DOMAIN.md sections 3 and 4). A second assessment of the same visit is a correction: a new version with
a reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.domain import dosing, lldas, sledai
from companion.models import Participant, Visit
from companion.models.workspace import Assessment
from companion.services import audit, records, steroids
from companion.services.errors import ValidationFailed
from companion.services.inputs import decimal_in, reason_for


@dataclass(frozen=True, slots=True)
class AssessmentInput:
    assessed_on: object
    variant: object
    descriptors: tuple = ()
    haemolytic_anaemia: bool = False
    gi_activity: bool = False
    new_activity: bool = False
    pga: object = None
    immunosuppressants: dict = field(default_factory=dict)
    immunosuppressants_tolerated: bool = True
    prednisone_mg: object = None
    prednisone_reason: object = None
    weight_kg: object = None
    reason: object = None


def _day(value, today: date) -> date:
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(_l("Enter a date as YYYY-MM-DD.")) from exc
    if day > today:
        raise ValueError(_l("An assessment cannot be in the future."))
    return day


def _clean(raw: AssessmentInput, visit: Visit, diary_mg: Decimal | None, today: date) -> dict:
    errors: dict[str, object] = {}
    clean: dict = {}
    checks = {
        "local_date": lambda: _day(raw.assessed_on, today),
        "pga": lambda: decimal_in(raw.pga, Decimal("0"), Decimal("3"), places="0.01"),
        "weight_kg": lambda: decimal_in(raw.weight_kg, Decimal("30"), Decimal("200"), optional=not visit.infusion),
    }
    for name, check in checks.items():
        try:
            clean[name] = check()
        except ValueError as exc:
            errors[name] = exc.args[0]
    if raw.variant not in sledai.VARIANTS:
        errors["variant"] = _l("Choose the variant that was scored.")
    known = {d.key for d in sledai.DESCRIPTORS}
    if any(key not in known for key in raw.descriptors):
        errors["descriptors"] = _l("Unknown SLEDAI-2K descriptor.")
    doses = {}
    for key, value in (raw.immunosuppressants or {}).items():
        if key not in lldas.IMMUNOSUPPRESSANTS:
            errors["immunosuppressants"] = _l("Unknown immunosuppressant.")
            continue
        try:
            doses[key] = decimal_in(value, Decimal("0"), Decimal("10000"), places="0.01")
        except ValueError as exc:
            errors["immunosuppressants"] = exc.args[0]
    try:
        if raw.prednisone_mg in (None, ""):
            if diary_mg is None:
                raise ValueError(_l("Nothing is in the diary for that day: enter the prednisone equivalent."))
            prednisone = diary_mg
        else:
            prednisone = decimal_in(raw.prednisone_mg, Decimal("0"), Decimal("2000"), places="0.01")
        clean["prednisone_mg"] = prednisone
        if diary_mg is not None and prednisone != diary_mg:  # a correction of the diary's value
            clean["prednisone_reason"] = reason_for(raw.prednisone_reason, required=True)
    except ValueError as exc:
        errors["prednisone_mg"] = exc.args[0]
    except ValidationFailed as exc:
        errors["prednisone_reason"] = exc.errors["reason"]
    if errors:
        raise ValidationFailed(errors)
    present = [d.key for d in sledai.DESCRIPTORS if d.key in set(raw.descriptors)]
    clean.update(variant=raw.variant, descriptors=present, sledai_total=sledai.score(present),
                 haemolytic_anaemia=bool(raw.haemolytic_anaemia), gi_activity=bool(raw.gi_activity),
                 new_activity=bool(raw.new_activity), immunosuppressants={k: str(v) for k, v in doses.items()},
                 immunosuppressants_tolerated=bool(raw.immunosuppressants_tolerated),
                 prednisone_from_diary=diary_mg)
    clean.setdefault("prednisone_reason", None)
    return clean


def previous(session: Session, participant: Participant, before: date, visit_id: int) -> Assessment | None:
    """The latest current assessment of another visit before ``before`` (criterion 2 compares with it)."""
    return session.scalar(
        select(Assessment).where(Assessment.participant_id == participant.id, Assessment.superseded_at.is_(None),
                                 Assessment.voided.is_(False), Assessment.local_date <= before,
                                 Assessment.visit_id != visit_id)
        .order_by(Assessment.local_date.desc(), Assessment.id.desc()).limit(1))


def current_for_visit(session: Session, visit: Visit) -> Assessment | None:
    return session.scalar(select(Assessment).where(Assessment.visit_id == visit.id,
                                                   Assessment.superseded_at.is_(None)))


def save(session: Session, participant: Participant, visit: Visit, raw: AssessmentInput, *, actor: audit.Actor,
         now: datetime, today: date, settings: lldas.LldasSettings = lldas.DEFAULT_SETTINGS) -> Assessment:
    """Score the visit, compute LLDAS and store every criterion; a re-assessment needs a reason."""
    try:
        day = _day(raw.assessed_on, today)
    except ValueError as exc:
        raise ValidationFailed({"local_date": exc.args[0]}) from exc
    has_doses = bool(steroids.doses_on(session, participant, day))
    diary_mg = steroids.daily_equivalent(session, participant, day) if has_doses else None
    clean = _clean(raw, visit, diary_mg, today)
    before = previous(session, participant, clean["local_date"], visit.id)
    result = lldas.assess(lldas.LldasInput(
        sledai_present=frozenset(clean["descriptors"]), haemolytic_anaemia=clean["haemolytic_anaemia"],
        gi_activity=clean["gi_activity"], previous_present=frozenset(before.descriptors) if before else None,
        new_activity_by_coordinator=clean["new_activity"], pga=clean["pga"], prednisone_mg=clean["prednisone_mg"],
        immunosuppressants={k: Decimal(v) for k, v in clean["immunosuppressants"].items()},
        immunosuppressants_tolerated=clean["immunosuppressants_tolerated"]), settings)
    clean["lldas_criteria"] = [{"number": c.number, "key": c.key, "met": c.met, "detail": c.detail_en}
                               for c in result.criteria]
    clean["in_lldas"] = result.in_lldas
    if visit.infusion and clean["weight_kg"] is not None:
        dose = dosing.infusion_dose_mg(clean["weight_kg"])
        clean["dose_mg"], clean["vials"] = dose, {str(k): v for k, v in dosing.vials_for(dose).items()}
    else:
        clean["dose_mg"], clean["vials"] = None, {}
    current = current_for_visit(session, visit)
    if current is None:
        row = Assessment(participant_id=participant.id, visit_id=visit.id, late=False, **clean)
        records.create(session, row, actor=actor, now=now, fields={k: v for k, v in clean.items()
                                                                  if k != "lldas_criteria"})
    else:
        row = records.new_version(session, current, changes=clean, actor=actor, now=now,
                                  reason=reason_for(raw.reason, required=True))
    return row
