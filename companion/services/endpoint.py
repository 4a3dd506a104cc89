"""The primary endpoint: the proportion of participants in LLDAS at the week-24 visit, with an exact
(Clopper-Pearson) 95% confidence interval; who is missing and why; LLDAS at every visit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from companion.domain.stats import clopper_pearson
from companion.models import Participant
from companion.models.workspace import Assessment

#: why a participant has no week-24 LLDAS result
NOT_YET_DUE, NOT_ASSESSED, WITHDRAWN = "not_yet_due", "not_assessed", "withdrawn"


@dataclass
class Line:
    participant: Participant
    endpoint: Assessment | None
    missing: str | None
    by_visit: dict  # visit number -> in_lldas (True/False) for every assessed visit


@dataclass
class Report:
    lines: list[Line]
    enrolled: int
    in_lldas: int
    assessed: int
    interval: tuple[float, float] | None  # over everyone enrolled; missing counts as not in LLDAS
    interval_assessed: tuple[float, float] | None
    visit_numbers: list[int]

    @property
    def missing(self) -> list[Line]:
        return [line for line in self.lines if line.missing]


def report(session: Session, site_id: int, *, today: date) -> Report:
    participants = session.scalars(select(Participant).where(Participant.site_id == site_id)
                                   .options(selectinload(Participant.visits)).order_by(Participant.study_id)).all()
    ids = [p.id for p in participants]
    found: dict[int, dict[int, Assessment]] = {}
    if ids:
        for row in session.scalars(select(Assessment).where(Assessment.participant_id.in_(ids),
                                                            Assessment.superseded_at.is_(None),
                                                            Assessment.voided.is_(False))):
            found.setdefault(row.participant_id, {})[row.visit_id] = row
    lines, numbers = [], set()
    for person in participants:
        visits = {v.id: v for v in person.visits}
        endpoint_visit = next((v for v in person.visits if v.endpoint), None)
        mine = found.get(person.id, {})
        by_visit = {visits[vid].number: a.in_lldas for vid, a in mine.items() if vid in visits}
        numbers.update(by_visit)
        result = mine.get(endpoint_visit.id) if endpoint_visit else None
        missing = None
        if result is None:
            if not person.active:
                missing = WITHDRAWN
            elif endpoint_visit is not None and endpoint_visit.window_end >= today:
                missing = NOT_YET_DUE
            else:
                missing = NOT_ASSESSED
        lines.append(Line(person, result, missing, by_visit))
    enrolled = len(lines)
    assessed = sum(1 for line in lines if line.endpoint is not None)
    in_lldas = sum(1 for line in lines if line.endpoint is not None and line.endpoint.in_lldas)
    return Report(lines, enrolled, in_lldas, assessed,
                  clopper_pearson(in_lldas, enrolled) if enrolled else None,
                  clopper_pearson(in_lldas, assessed) if assessed else None, sorted(numbers))
