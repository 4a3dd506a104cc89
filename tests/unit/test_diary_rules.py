"""Diary items, which days may be logged, the post-infusion window and score checks (DOMAIN.md section 5).

Dates are written out by hand, not computed with timedelta.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from companion.domain import diary
from companion.domain.diary import (
    check_note,
    check_reactions,
    check_scores,
    check_symptoms,
    day_status,
    post_infusion_day,
)

TODAY = date(2026, 3, 10)


def test_symptom_items_in_the_diary_order():
    assert [item.key for item in diary.SYMPTOMS] == [
        "new_rash", "mouth_sores", "hair_loss", "swollen_joints", "chest_pain_breathing", "breathless",
        "foamy_urine_swelling", "burning_urination", "productive_cough", "hot_painful_skin", "severe_headache",
        "neuro",
    ]
    by_key = {item.key: item for item in diary.SYMPTOMS}
    assert by_key["new_rash"].en == "New rash, itch or hives"
    assert by_key["new_rash"].zh == "新出现的皮疹、瘙痒或荨麻疹"
    assert by_key["neuro"].en == "Confusion, weakness, or a change in vision, speech or walking"
    assert all(item.en and item.zh and item.zh != item.en for item in diary.SYMPTOMS)


def test_reaction_items_and_severity_scale():
    assert [item.key for item in diary.REACTION_ITEMS] == [
        "itching", "hives_rash", "face_swelling", "breathless_wheeze", "dizzy_faint", "nausea", "headache",
        "muscle_pain", "fatigue",
    ]
    assert {i.key: i.en for i in diary.REACTION_ITEMS}["face_swelling"] == "Swelling of face, lips or tongue"
    assert diary.SEVERITY == ((0, "None", "无"), (1, "Mild", "轻度"), (2, "Moderate", "中度"), (3, "Severe", "重度"),
                              (4, "Very severe", "极重度"))
    assert all(item.zh for item in diary.REACTION_ITEMS)


def test_ranges():
    assert (diary.SCORE_MIN, diary.SCORE_MAX) == (0, 10)
    assert (diary.TEMPERATURE_MIN, diary.TEMPERATURE_MAX) == (Decimal("34.0"), Decimal("43.0"))
    assert diary.NOTE_MAX_LENGTH == 500
    assert diary.DEFAULT_LATE_DAYS == 3


@pytest.mark.parametrize(("local_date", "expected"), [
    (date(2026, 3, 10), "today"),
    (date(2026, 3, 9), "late"),
    (date(2026, 3, 7), "late"),      # 3 days ago: still allowed
    (date(2026, 3, 6), "too_old"),   # 4 days ago
    (date(2026, 1, 1), "too_old"),
    (date(2026, 3, 11), "future"),
])
def test_day_status_with_three_late_days(local_date, expected):
    assert day_status(local_date, TODAY, 3) == expected


def test_day_status_across_a_month_end_and_other_late_limits():
    assert day_status(date(2026, 2, 28), date(2026, 3, 3), 3) == "late"     # 3 days (2026 is not a leap year)
    assert day_status(date(2026, 2, 27), date(2026, 3, 3), 3) == "too_old"
    assert day_status(date(2026, 3, 9), TODAY, 0) == "too_old"
    assert day_status(date(2026, 3, 3), TODAY, 7) == "late"
    with pytest.raises(ValueError):
        day_status(TODAY, TODAY, -1)


INFUSION = date(2026, 3, 1)


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 3, 1), None),                      # day 0: the infusion day itself
    (date(2026, 3, 2), (INFUSION, 1)),
    (date(2026, 3, 8), (INFUSION, 7)),
    (date(2026, 3, 9), None),                      # day 8
    (date(2026, 2, 28), None),                     # before the infusion
])
def test_post_infusion_day_window(today, expected):
    assert post_infusion_day([INFUSION], today) == expected


def test_post_infusion_day_takes_the_most_recent_infusion():
    # loading doses two weeks apart cannot overlap, but a moved infusion can
    infusions = [date(2026, 3, 1), date(2026, 3, 5), date(2026, 4, 1)]
    assert post_infusion_day(infusions, date(2026, 3, 6)) == (date(2026, 3, 5), 1)
    assert post_infusion_day(iter(infusions), date(2026, 3, 12)) == (date(2026, 3, 5), 7)
    assert post_infusion_day([], date(2026, 3, 6)) is None


def test_scores_in_range_pass():
    assert check_scores(0, 10, None) == []
    assert check_scores(10, 0, Decimal("34.0")) == []
    assert check_scores(5, 5, Decimal("43.0")) == []


@pytest.mark.parametrize(("fatigue", "joint_pain", "temperature", "expected"), [
    (11, 5, None, ["fatigue_range"]),
    (-1, 5, None, ["fatigue_range"]),
    (5, 11, None, ["joint_pain_range"]),
    (5, -1, None, ["joint_pain_range"]),
    (True, 5, None, ["fatigue_range"]),
    ("5", 5, None, ["fatigue_range"]),
    (5.0, 5, None, ["fatigue_range"]),
    (None, None, None, ["fatigue_missing", "joint_pain_missing"]),
    (5, 5, Decimal("33.9"), ["temperature_range"]),
    (5, 5, Decimal("43.1"), ["temperature_range"]),
    (5, 5, 38.0, ["temperature_range"]),
    (5, 5, Decimal("NaN"), ["temperature_range"]),
    (5, 5, "38.0", ["temperature_range"]),
    (11, 11, Decimal("50"), ["fatigue_range", "joint_pain_range", "temperature_range"]),
])
def test_scores_out_of_range(fatigue, joint_pain, temperature, expected):
    assert check_scores(fatigue, joint_pain, temperature) == expected


def test_symptoms_note_and_reactions_checks():
    assert check_symptoms(["new_rash", "neuro"]) == []
    assert check_symptoms(["new_rash", "itching"]) == ["symptom_unknown"]
    assert check_note(None) == []
    assert check_note("x" * 500) == []
    assert check_note("x" * 501) == ["note_too_long"]
    complete = {key: 0 for key in ("itching", "hives_rash", "face_swelling", "breathless_wheeze", "dizzy_faint",
                                   "nausea", "headache", "muscle_pain", "fatigue")}
    assert check_reactions(complete) == []
    assert check_reactions({**complete, "itching": 4}) == []
    assert check_reactions({**complete, "itching": 5}) == ["reaction_range"]
    assert check_reactions({**complete, "itching": True}) == ["reaction_range"]
    assert check_reactions({**complete, "sneezing": 1}) == ["reaction_unknown"]
    assert check_reactions({k: v for k, v in complete.items() if k != "fatigue"}) == ["reaction_missing"]


def test_a_negative_late_allowance_is_refused_with_its_value():
    with pytest.raises(ValueError, match=r"^late_days must be >= 0 \(got -1\)$"):
        day_status(date(2026, 3, 1), date(2026, 3, 1), -1)
