"""Alert rules: what a diary entry, check-in or steroid log should raise (DOMAIN.md section 6).

RED: urgent on-screen advice to the participant and an immediate alert to the coordinator. AMBER: coordinator
review within one working day. INFO: weekly digest. The functions only decide; storing, acknowledging and
notifying belong to the services. ``rule`` keys are stable strings stored with each alert: never rename them.
Every list returned has RED findings first, then AMBER (each function checks its RED rules first), and
no rule twice.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from companion.domain import diary_rules, phq
from companion.domain.steroid_table import LLDAS_MAX_MG

RED = "RED"
AMBER = "AMBER"
INFO = "INFO"
TIERS = (RED, AMBER, INFO)

FEVER_C = Decimal("38.0")
INFUSION_RISK_DAYS = 7  # "within 7 days of an infusion"
ENDPOINT_STEROID_DAYS = 28  # "within 4 weeks of day 169"
INFECTION_SYMPTOMS = ("burning_urination", "productive_cough", "hot_painful_skin")
FLARE_SYMPTOMS = ("new_rash", "mouth_sores", "swollen_joints", "foamy_urine_swelling")
ANAPHYLAXIS_ANY = ("face_swelling", "breathless_wheeze")  # any severity >= 1
FAINT_SEVERE = 3  # dizzy_faint "severe" or worse counts as fainting or near-fainting
REACTION_MODERATE = 2
PHQ_KINDS = ("phq2", "phq9")


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule that fired: tier (RED, AMBER or INFO), stable rule key, and the reason in English."""

    tier: str
    rule: str
    reason_en: str


def diary_findings(
    symptoms: Collection[str], temperature: Decimal | None, infusion_days_ago: int | None
) -> list[Finding]:
    """Findings for one diary day (DOMAIN.md section 6).

    RED ``cardiorespiratory``: "chest pain together with breathlessness" (chest_pain_breathing and
    breathless). RED ``breathing``: "breathing difficulty or wheeze ... (most of all within 7 days of an
    infusion)": breathless; the reason says so when ``infusion_days_ago`` is 0-7 (0 = infusion day).
    RED ``neuro``: "confusion, one-sided weakness, loss of vision or speech, change in walking".
    AMBER ``fever``: "temperature >= 38.0 °C". AMBER ``infection``: "burning urination, productive cough, hot
    painful skin". AMBER ``flare``: "new flare symptoms (rash, mouth sores, joint swelling, foamy urine,
    oedema)". AMBER ``headache``: severe headache (coordinator review; no RED rule names it).
    Unknown symptom keys raise ValueError; a float temperature raises TypeError.
    """
    unknown = sorted(set(symptoms) - diary_rules.SYMPTOM_KEYS)
    if unknown:
        raise ValueError(f"unknown symptom keys: {unknown}")
    if temperature is not None and (isinstance(temperature, bool) or not isinstance(temperature, Decimal | int)):
        raise TypeError(f"temperature must be a Decimal, not {type(temperature).__name__}")
    has = set(symptoms)
    found = []
    if {"chest_pain_breathing", "breathless"} <= has:
        found.append(Finding(RED, "cardiorespiratory", "Chest pain when breathing together with breathlessness"))
    if "breathless" in has:
        near = infusion_days_ago is not None and 0 <= infusion_days_ago <= INFUSION_RISK_DAYS
        when = f", {infusion_days_ago} day(s) after an infusion (possible reaction)" if near else ""
        found.append(Finding(RED, "breathing", f"Breathlessness{when}"))
    if "neuro" in has:
        found.append(Finding(RED, "neuro", "Confusion, weakness, or a change in vision, speech or walking"))
    if temperature is not None and temperature >= FEVER_C:
        found.append(Finding(AMBER, "fever", f"Temperature {temperature} °C (>= {FEVER_C})"))
    infection = [k for k in INFECTION_SYMPTOMS if k in has]
    if infection:
        found.append(Finding(AMBER, "infection", f"Infection symptoms: {', '.join(infection)}"))
    flare = [k for k in FLARE_SYMPTOMS if k in has]
    if flare:
        found.append(Finding(AMBER, "flare", f"New flare symptoms: {', '.join(flare)}"))
    if "severe_headache" in has:
        found.append(Finding(AMBER, "headache", "Severe headache"))
    return found


def _severity(answers: Mapping[str, int], key: str) -> int:
    value = answers.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= diary_rules.SEVERITY_MAX:
        raise ValueError(f"{key}: severity must be an integer 0-{diary_rules.SEVERITY_MAX} (got {value!r})")
    return value


def reaction_findings(answers: Mapping[str, int], days_after_infusion: int) -> list[Finding]:
    """Findings for a post-infusion check-in (DOMAIN.md section 6); unanswered items count as 0.

    RED ``anaphylaxis``: "swelling of face/lips/tongue/throat, breathing difficulty or wheeze, fainting or
    near-fainting": face_swelling >= 1, breathless_wheeze >= 1 or dizzy_faint >= 3, on any day.
    AMBER ``reaction``: "reaction symptoms of severity >= 2 within 7 days of an infusion": any item >= 2 and
    ``days_after_infusion`` 1-7. Unknown keys or severities outside 0-4 raise ValueError.
    """
    unknown = sorted(set(answers) - diary_rules.REACTION_KEYS)
    if unknown:
        raise ValueError(f"unknown reaction items: {unknown}")
    scores = {item.key: _severity(answers, item.key) for item in diary_rules.REACTION_ITEMS}
    found = []
    urgent = [k for k in ANAPHYLAXIS_ANY if scores[k] >= 1]
    if scores["dizzy_faint"] >= FAINT_SEVERE:
        urgent.append("dizzy_faint")
    if urgent:
        found.append(Finding(RED, "anaphylaxis", f"Possible severe allergic reaction: {', '.join(urgent)}"))
    moderate = [k for k, v in scores.items() if v >= REACTION_MODERATE]
    if moderate and 1 <= days_after_infusion <= INFUSION_RISK_DAYS:
        found.append(Finding(AMBER, "reaction", f"Reaction of severity >= 2, day {days_after_infusion} after "
                                                f"an infusion: {', '.join(moderate)}"))
    return found


def phq_findings(kind: str, answers: Mapping[str, int], total: int) -> list[Finding]:
    """Findings for a PHQ-2 or PHQ-9 (DOMAIN.md section 6).

    RED ``self_harm``: "PHQ-9 item 9 > 0". AMBER ``phq2_positive``: "PHQ-2 >= 3". AMBER ``phq9_moderate``:
    "PHQ-9 >= 10". ``answers`` must be the complete, valid questionnaire and ``total`` its sum (ValueError
    otherwise), so a stored total can never disagree with the answers that raised the alert.
    """
    if kind not in PHQ_KINDS:
        raise ValueError(f"kind must be one of {PHQ_KINDS} (got {kind!r})")
    items = phq.PHQ2_ITEMS if kind == "phq2" else phq.PHQ9_ITEMS
    computed = phq.total(answers, items)
    if total != computed:
        raise ValueError(f"{kind} total {total!r} does not match the answers (sum {computed})")
    found = []
    if kind == "phq9" and phq.phq9_item9_positive(answers):
        found.append(Finding(RED, "self_harm", f"PHQ-9 item 9 (thoughts of self-harm) answered {answers['phq9']}"))
    if kind == "phq2" and phq.phq2_opens_phq9(total):
        found.append(Finding(AMBER, "phq2_positive", f"PHQ-2 total {total} (>= {phq.PHQ2_POSITIVE})"))
    if kind == "phq9" and total >= phq.PHQ9_MODERATE:
        found.append(Finding(AMBER, "phq9_moderate", f"PHQ-9 total {total} (>= {phq.PHQ9_MODERATE})"))
    return found


def steroid_findings(daily_equivalent: Decimal, local_date: date, endpoint_date: date) -> list[Finding]:
    """AMBER ``steroid_above_lldas`` (DOMAIN.md section 6): "prednisone equivalent > 7.5 mg/day within 4 weeks
    of day 169": the day's equivalent is over 7.5 and ``endpoint_date - 28 days <= local_date <= endpoint_date``.
    """
    window_start = endpoint_date - timedelta(days=ENDPOINT_STEROID_DAYS)
    if daily_equivalent > LLDAS_MAX_MG and window_start <= local_date <= endpoint_date:
        days = (endpoint_date - local_date).days
        return [Finding(AMBER, "steroid_above_lldas",
                        f"Prednisone equivalent {daily_equivalent} mg/day (> {LLDAS_MAX_MG}) {days} day(s) "
                        f"before the endpoint visit")]
    return []


def missed_steroid_findings(
    last_logged: date | None, today: date, usual_daily: bool, gap_days: int = 3
) -> list[Finding]:
    """AMBER ``steroid_entries_missing`` (DOMAIN.md section 6: "missed steroid entries").

    Only for a participant who usually logs steroids daily: fires when none of the ``gap_days`` full days
    before ``today`` has an entry (today is still open), i.e. ``today - last_logged > gap_days`` days, or
    nothing was ever logged.
    """
    if gap_days < 1:
        raise ValueError(f"gap_days must be >= 1 (got {gap_days})")
    if not usual_daily:
        return []
    if last_logged is not None and (today - last_logged).days <= gap_days:
        return []
    since = "no steroid entry yet" if last_logged is None else f"no steroid entry since {last_logged.isoformat()}"
    return [Finding(AMBER, "steroid_entries_missing", f"Usually logs steroids daily; {since}")]
