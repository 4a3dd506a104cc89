"""Diary items, which days may be logged, the post-infusion window and score checks (DOMAIN.md section 5).

Dates are written out by hand, not computed with timedelta.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from companion.domain import diary_rules
from companion.domain.diary_rules import (
    day_status,
    post_infusion_day,
)

TODAY = date(2026, 3, 10)


def test_symptom_items_in_the_diary_order():
    assert [item.key for item in diary_rules.SYMPTOMS] == [
        "new_rash", "mouth_sores", "hair_loss", "swollen_joints", "chest_pain_breathing", "breathless",
        "foamy_urine_swelling", "burning_urination", "productive_cough", "hot_painful_skin", "severe_headache",
        "neuro",
    ]
    by_key = {item.key: item for item in diary_rules.SYMPTOMS}
    assert by_key["new_rash"].en == "New rash, itch or hives"
    assert by_key["new_rash"].zh == "新出现的皮疹、瘙痒或荨麻疹"
    assert by_key["neuro"].en == "Confusion, weakness, or a change in vision, speech or walking"
    assert all(item.en and item.zh and item.zh != item.en for item in diary_rules.SYMPTOMS)


def test_reaction_items_and_severity_scale():
    assert [item.key for item in diary_rules.REACTION_ITEMS] == [
        "itching", "hives_rash", "face_swelling", "breathless_wheeze", "dizzy_faint", "nausea", "headache",
        "muscle_pain", "fatigue",
    ]
    assert {i.key: i.en for i in diary_rules.REACTION_ITEMS}["face_swelling"] == "Swelling of face, lips or tongue"
    assert diary_rules.SEVERITY == ((0, "None", "无"), (1, "Mild", "轻度"), (2, "Moderate", "中度"),
                                    (3, "Severe", "重度"), (4, "Very severe", "极重度"))
    assert all(item.zh for item in diary_rules.REACTION_ITEMS)


def test_ranges():
    assert (diary_rules.SCORE_MIN, diary_rules.SCORE_MAX) == (0, 10)
    assert (diary_rules.TEMPERATURE_MIN, diary_rules.TEMPERATURE_MAX) == (Decimal("34.0"), Decimal("43.0"))
    assert diary_rules.NOTE_MAX_LENGTH == 500
    assert diary_rules.DEFAULT_LATE_DAYS == 3


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
    with pytest.raises(ValueError, match=r"late_days must be >= 0 \(got -1\)"):
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


def test_a_negative_late_allowance_is_refused_with_its_value():
    with pytest.raises(ValueError, match=r"^late_days must be >= 0 \(got -1\)$"):
        day_status(date(2026, 3, 1), date(2026, 3, 1), -1)
