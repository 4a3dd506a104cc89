"""Alert rules (DOMAIN.md section 6): which tier and rule each input raises, at the boundaries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from companion.domain.alert_rules import (
    Finding,
    diary_findings,
    missed_steroid_findings,
    phq_findings,
    reaction_findings,
    steroid_findings,
)

D = Decimal


def rules(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.tier, f.rule) for f in findings]


# ---- diary -------------------------------------------------------------------------------------------------

def test_quiet_day_raises_nothing():
    assert diary_findings([], None, None) == []
    assert diary_findings(["hair_loss"], D("37.0"), 3) == []


def test_chest_pain_with_breathlessness_is_red():
    found = rules(diary_findings(["chest_pain_breathing", "breathless"], None, None))
    assert ("RED", "cardiorespiratory") in found
    assert ("RED", "breathing") in found


def test_chest_pain_alone_is_not_cardiorespiratory():
    assert rules(diary_findings(["chest_pain_breathing"], None, None)) == []


def test_breathlessness_is_red_and_names_a_recent_infusion():
    assert rules(diary_findings(["breathless"], None, None)) == [("RED", "breathing")]
    reasons = {days: diary_findings(["breathless"], None, days)[0].reason_en for days in (None, 0, 1, 7, 8, 30)}
    assert "infusion" not in reasons[None]
    assert "infusion" in reasons[0] and "infusion" in reasons[1] and "infusion" in reasons[7]
    assert "infusion" not in reasons[8] and "infusion" not in reasons[30]
    assert all(diary_findings(["breathless"], None, days)[0].tier == "RED" for days in (None, 0, 7, 8))


def test_neuro_is_red():
    assert rules(diary_findings(["neuro"], None, None)) == [("RED", "neuro")]


def test_fever_boundary():
    assert rules(diary_findings([], D("37.9"), None)) == []
    assert rules(diary_findings([], D("38.0"), None)) == [("AMBER", "fever")]
    assert rules(diary_findings([], D("38"), None)) == [("AMBER", "fever")]
    assert rules(diary_findings([], D("39.4"), None)) == [("AMBER", "fever")]
    with pytest.raises(TypeError, match="temperature must be a Decimal, not float"):
        diary_findings([], 38.5, None)


@pytest.mark.parametrize("symptom", ["burning_urination", "productive_cough", "hot_painful_skin"])
def test_infection_symptoms_are_amber(symptom):
    assert rules(diary_findings([symptom], None, None)) == [("AMBER", "infection")]


@pytest.mark.parametrize("symptom", ["new_rash", "mouth_sores", "swollen_joints", "foamy_urine_swelling"])
def test_flare_symptoms_are_amber(symptom):
    assert rules(diary_findings([symptom], None, None)) == [("AMBER", "flare")]


def test_severe_headache_is_amber():
    assert rules(diary_findings(["severe_headache"], None, None)) == [("AMBER", "headache")]


def test_no_duplicates_and_red_first():
    everything = ["productive_cough", "burning_urination", "hot_painful_skin", "new_rash", "mouth_sores",
                  "severe_headache", "neuro", "breathless", "chest_pain_breathing", "swollen_joints"]
    found = rules(diary_findings(everything, D("38.5"), 2))
    assert found == [("RED", "cardiorespiratory"), ("RED", "breathing"), ("RED", "neuro"), ("AMBER", "fever"),
                     ("AMBER", "infection"), ("AMBER", "flare"), ("AMBER", "headache")]


def test_unknown_symptom_is_refused():
    with pytest.raises(ValueError, match=r"unknown symptom keys: \['sneezing'\]"):
        diary_findings(["sneezing"], None, None)


# ---- post-infusion check-in ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("answers", "red"), [
    ({"face_swelling": 1}, True),
    ({"breathless_wheeze": 1}, True),
    ({"dizzy_faint": 3}, True),
    ({"dizzy_faint": 2}, False),
    ({"face_swelling": 0, "breathless_wheeze": 0, "dizzy_faint": 0}, False),
    ({"itching": 4, "hives_rash": 4, "nausea": 4}, False),
])
def test_anaphylaxis(answers, red):
    found = rules(reaction_findings(answers, 3))
    assert (("RED", "anaphylaxis") in found) is red


def test_anaphylaxis_is_red_on_any_day():
    assert ("RED", "anaphylaxis") in rules(reaction_findings({"face_swelling": 1}, 12))


@pytest.mark.parametrize(("days", "amber"), [(0, False), (1, True), (7, True), (8, False)])
def test_moderate_reaction_within_seven_days(days, amber):
    assert rules(reaction_findings({"nausea": 2}, days)) == ([("AMBER", "reaction")] if amber else [])


def test_mild_reaction_raises_nothing():
    assert reaction_findings({"nausea": 1, "itching": 1, "headache": 1}, 2) == []


def test_red_before_amber_in_a_reaction():
    assert rules(reaction_findings({"itching": 2, "face_swelling": 2}, 1)) == [
        ("RED", "anaphylaxis"), ("AMBER", "reaction")]


@pytest.mark.parametrize(("answers", "message"), [
    ({"nausea": 5}, r"nausea: severity must be an integer 0-4 \(got 5\)"),
    ({"nausea": -1}, r"nausea: severity must be an integer 0-4 \(got -1\)"),
    ({"nausea": "2"}, r"nausea: severity must be an integer 0-4 \(got '2'\)"),
    ({"nausea": True}, r"nausea: severity must be an integer 0-4 \(got True\)"),
    ({"sneezing": 1}, r"unknown reaction items: \['sneezing'\]"),
])
def test_invalid_reaction_answers(answers, message):
    with pytest.raises(ValueError, match=message):
        reaction_findings(answers, 1)


# ---- PHQ ----------------------------------------------------------------------------------------------------

def phq9(*values: int) -> dict[str, int]:
    return {f"phq{i}": v for i, v in enumerate(values, start=1)}


def test_phq2_boundary():
    assert phq_findings("phq2", {"phq1": 1, "phq2": 1}, 2) == []
    assert rules(phq_findings("phq2", {"phq1": 1, "phq2": 2}, 3)) == [("AMBER", "phq2_positive")]


def test_phq9_total_boundary():
    assert phq_findings("phq9", phq9(1, 1, 1, 1, 1, 1, 1, 2, 0), 9) == []
    assert rules(phq_findings("phq9", phq9(1, 1, 1, 1, 1, 1, 2, 2, 0), 10)) == [("AMBER", "phq9_moderate")]


def test_phq9_item9_boundary():
    assert phq_findings("phq9", phq9(0, 0, 0, 0, 0, 0, 0, 0, 0), 0) == []
    assert rules(phq_findings("phq9", phq9(0, 0, 0, 0, 0, 0, 0, 0, 1), 1)) == [("RED", "self_harm")]


def test_phq9_self_harm_and_moderate_red_first():
    assert rules(phq_findings("phq9", phq9(2, 2, 2, 2, 2, 0, 0, 0, 3), 13)) == [
        ("RED", "self_harm"), ("AMBER", "phq9_moderate")]


def test_phq_input_is_checked():
    with pytest.raises(ValueError, match=r"phq9 total 0 does not match the answers \(sum 1\)"):
        phq_findings("phq9", phq9(0, 0, 0, 0, 0, 0, 0, 0, 1), 0)  # total disagrees with the answers
    with pytest.raises(ValueError, match=r"kind must be one of \('phq2', 'phq9'\) \(got 'gad7'\)"):
        phq_findings("gad7", {"phq1": 1, "phq2": 2}, 3)
    with pytest.raises(ValueError, match=r"phq1: answer must be an integer 0-3 \(got 4\)"):
        phq_findings("phq2", {"phq1": 4, "phq2": 0}, 4)
    with pytest.raises(ValueError, match=r"answers do not match the questionnaire: missing \['phq3', 'phq4', "):
        phq_findings("phq9", {"phq1": 1, "phq2": 2}, 3)  # a PHQ-2 is not a PHQ-9


# ---- steroids -----------------------------------------------------------------------------------------------

ENDPOINT = date(2026, 6, 18)  # day 169 for day 1 = 2026-01-01


@pytest.mark.parametrize(("mg", "amber"), [("7.5", False), ("7.50", False), ("7.51", True), ("7.6", True),
                                          ("20", True)])
def test_steroid_above_lldas_boundary(mg, amber):
    found = rules(steroid_findings(D(mg), date(2026, 6, 1), ENDPOINT))
    assert found == ([("AMBER", "steroid_above_lldas")] if amber else [])


@pytest.mark.parametrize(("local_date", "amber"), [
    (date(2026, 5, 20), False),   # 29 days before
    (date(2026, 5, 21), True),    # 28 days before
    (date(2026, 6, 18), True),    # the endpoint day
    (date(2026, 6, 19), False),   # after it
    (date(2026, 1, 10), False),
])
def test_steroid_window_before_the_endpoint(local_date, amber):
    assert bool(steroid_findings(D("10"), local_date, ENDPOINT)) is amber


@pytest.mark.parametrize(("last", "today", "amber"), [
    (date(2026, 3, 7), date(2026, 3, 10), False),   # 8 and 9 missing, today still open
    (date(2026, 3, 6), date(2026, 3, 10), True),    # 7, 8 and 9 missing
    (date(2026, 3, 10), date(2026, 3, 10), False),
    (None, date(2026, 3, 10), True),
])
def test_missed_steroid_entries(last, today, amber):
    found = rules(missed_steroid_findings(last, today, usual_daily=True))
    assert found == ([("AMBER", "steroid_entries_missing")] if amber else [])


def test_missed_steroid_entries_only_for_daily_loggers_and_custom_gap():
    assert missed_steroid_findings(date(2026, 1, 1), date(2026, 3, 10), usual_daily=False) == []
    assert missed_steroid_findings(None, date(2026, 3, 10), usual_daily=False) == []
    assert missed_steroid_findings(date(2026, 3, 8), date(2026, 3, 10), True, gap_days=1) != []
    assert missed_steroid_findings(date(2026, 3, 9), date(2026, 3, 10), True, gap_days=1) == []
    with pytest.raises(ValueError, match=r"gap_days must be >= 1 \(got 0\)"):
        missed_steroid_findings(None, date(2026, 3, 10), True, gap_days=0)


# ---- the reasons coordinators read ---------------------------------------------------------------------------

def reasons(findings: list[Finding]) -> list[str]:
    return [f.reason_en for f in findings]


def test_diary_reasons_name_what_was_reported():
    everything = ["productive_cough", "burning_urination", "new_rash", "swollen_joints", "severe_headache",
                  "neuro", "breathless", "chest_pain_breathing"]
    assert reasons(diary_findings(everything, D("38.5"), 9)) == [
        "Chest pain when breathing together with breathlessness",
        "Breathlessness",
        "Confusion, weakness, or a change in vision, speech or walking",
        "Temperature 38.5 °C (>= 38.0)",
        "Infection symptoms: burning_urination, productive_cough",
        "New flare symptoms: new_rash, swollen_joints",
        "Severe headache",
    ]
    assert reasons(diary_findings(["breathless"], None, 2)) == [
        "Breathlessness, 2 day(s) after an infusion (possible reaction)"]


def test_diary_input_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match=r"^unknown symptom keys: \['sneezing'\]$"):
        diary_findings(["sneezing", "neuro"], None, None)
    with pytest.raises(TypeError, match="^temperature must be a Decimal, not float$"):
        diary_findings([], 38.5, None)


def test_reaction_reasons_name_the_items():
    found = reaction_findings({"face_swelling": 1, "breathless_wheeze": 2, "dizzy_faint": 3, "nausea": 2}, 2)
    assert reasons(found) == [
        "Possible severe allergic reaction: face_swelling, breathless_wheeze, dizzy_faint",
        "Reaction of severity >= 2, day 2 after an infusion: breathless_wheeze, dizzy_faint, nausea",
    ]


def test_reaction_input_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match=r"^unknown reaction items: \['sneezing'\]$"):
        reaction_findings({"sneezing": 1}, 1)
    with pytest.raises(ValueError, match=r"^nausea: severity must be an integer 0-4 \(got 5\)$"):
        reaction_findings({"nausea": 5}, 1)


def test_phq_reasons_give_the_answer_and_the_total():
    assert reasons(phq_findings("phq9", phq9(2, 2, 2, 2, 2, 0, 0, 0, 3), 13)) == [
        "PHQ-9 item 9 (thoughts of self-harm) answered 3", "PHQ-9 total 13 (>= 10)"]
    assert reasons(phq_findings("phq2", {"phq1": 1, "phq2": 2}, 3)) == ["PHQ-2 total 3 (>= 3)"]


def test_phq_input_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match=r"^kind must be one of \('phq2', 'phq9'\) \(got 'gad7'\)$"):
        phq_findings("gad7", {"phq1": 1, "phq2": 2}, 3)
    with pytest.raises(ValueError, match=r"^phq9 total 0 does not match the answers \(sum 1\)$"):
        phq_findings("phq9", phq9(0, 0, 0, 0, 0, 0, 0, 0, 1), 0)


def test_steroid_reasons_give_the_dose_and_the_days_left():
    assert reasons(steroid_findings(D("10"), date(2026, 6, 1), ENDPOINT)) == [
        "Prednisone equivalent 10 mg/day (> 7.5) 17 day(s) before the endpoint visit"]
    assert reasons(missed_steroid_findings(None, date(2026, 3, 10), True)) == [
        "Usually logs steroids daily; no steroid entry yet"]
    assert reasons(missed_steroid_findings(date(2026, 3, 6), date(2026, 3, 10), True)) == [
        "Usually logs steroids daily; no steroid entry since 2026-03-06"]
    with pytest.raises(ValueError, match=r"^gap_days must be >= 1 \(got 0\)$"):
        missed_steroid_findings(None, date(2026, 3, 10), True, gap_days=0)
