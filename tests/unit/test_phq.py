"""PHQ-2 and PHQ-9: wording, scoring, thresholds and the weekly PHQ-2 (DOMAIN.md section 5)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from companion.domain import phq
from companion.domain.phq import phq2_due, phq2_opens_phq9, phq9_item9_positive, total

KEYS9 = ["phq1", "phq2", "phq3", "phq4", "phq5", "phq6", "phq7", "phq8", "phq9"]


def answers9(*values: int) -> dict[str, int]:
    return dict(zip(KEYS9, values, strict=True))


def test_items_and_wording():
    assert [item.key for item in phq.PHQ9_ITEMS] == KEYS9
    assert [item.key for item in phq.PHQ2_ITEMS] == ["phq1", "phq2"]
    assert phq.PHQ9_ITEMS[0].en == "Little interest or pleasure in doing things"
    assert phq.PHQ9_ITEMS[0].zh == "做事时提不起劲或没有兴趣"
    assert phq.PHQ9_ITEMS[1].en == "Feeling down, depressed, or hopeless"
    item9 = phq.PHQ9_ITEMS[8]
    assert "better off dead" in item9.en and "hurting yourself" in item9.en
    assert item9.zh == "有不如死掉或用某种方式伤害自己的念头"
    assert phq.STEM_EN == "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    assert "两周" in phq.STEM_ZH
    assert phq.ANSWERS == ((0, "Not at all", "完全不会"), (1, "Several days", "好几天"),
                           (2, "More than half the days", "一半以上的天数"), (3, "Nearly every day", "几乎每天"))


def test_totals():
    assert total({"phq1": 0, "phq2": 0}, phq.PHQ2_ITEMS) == 0
    assert total({"phq1": 3, "phq2": 3}, phq.PHQ2_ITEMS) == 6
    assert total({"phq1": 1, "phq2": 2}, phq.PHQ2_ITEMS) == 3
    assert total(answers9(3, 3, 3, 3, 3, 3, 3, 3, 3), phq.PHQ9_ITEMS) == 27
    assert total(answers9(1, 2, 0, 3, 1, 0, 2, 0, 1), phq.PHQ9_ITEMS) == 10


@pytest.mark.parametrize("bad", [4, -1, "2", True, False, 1.0, None])
def test_invalid_answer_values_are_refused(bad):
    with pytest.raises(ValueError, match=rf"^phq2: answer must be an integer 0-3 \(got {re.escape(repr(bad))}\)$"):
        total({"phq1": 1, "phq2": bad}, phq.PHQ2_ITEMS)


def test_missing_or_extra_items_are_refused():
    with pytest.raises(ValueError, match="missing"):
        total({"phq1": 1}, phq.PHQ2_ITEMS)
    with pytest.raises(ValueError, match="unexpected"):
        total({"phq1": 1, "phq2": 1, "phq3": 0}, phq.PHQ2_ITEMS)
    nine = answers9(0, 0, 0, 0, 0, 0, 0, 0, 0)
    del nine["phq9"]
    with pytest.raises(ValueError, match=r"missing \['phq9'\], unexpected \[\]"):
        total(nine, phq.PHQ9_ITEMS)


def test_phq2_threshold_opens_the_phq9():
    assert phq.PHQ2_POSITIVE == 3
    assert phq2_opens_phq9(2) is False
    assert phq2_opens_phq9(3) is True
    assert phq2_opens_phq9(6) is True


def test_item9():
    assert phq9_item9_positive(answers9(3, 3, 3, 3, 3, 3, 3, 3, 0)) is False
    assert phq9_item9_positive(answers9(0, 0, 0, 0, 0, 0, 0, 0, 1)) is True
    assert phq9_item9_positive({"phq9": 3}) is True
    with pytest.raises(ValueError, match="phq9: required"):
        phq9_item9_positive({"phq1": 1})
    with pytest.raises(ValueError, match=r"phq9: answer must be an integer 0-3 \(got True\)"):
        phq9_item9_positive({"phq9": True})
    with pytest.raises(ValueError, match=r"phq9: answer must be an integer 0-3 \(got 4\)"):
        phq9_item9_positive({"phq9": 4})


@pytest.mark.parametrize(("last", "today", "due"), [
    (None, date(2026, 3, 10), True),
    (date(2026, 3, 10), date(2026, 3, 10), False),
    (date(2026, 3, 4), date(2026, 3, 10), False),   # 6 days
    (date(2026, 3, 3), date(2026, 3, 10), True),    # 7 days
    (date(2026, 2, 1), date(2026, 3, 10), True),
    (date(2026, 2, 26), date(2026, 3, 5), True),    # 7 days across February
])
def test_phq2_weekly(last, today, due):
    assert phq2_due(last, today) is due


def test_phq9_is_due_at_each_infusion_visit_until_answered():
    from companion.domain.phq import phq9_due_at_infusion

    infusions = [date(2026, 3, 2), date(2026, 3, 16)]
    assert phq9_due_at_infusion(infusions, None, date(2026, 3, 16)) == date(2026, 3, 16)
    assert phq9_due_at_infusion(infusions, None, date(2026, 3, 19)) == date(2026, 3, 16)
    assert phq9_due_at_infusion(infusions, None, date(2026, 3, 20)) is None  # 4 days after
    assert phq9_due_at_infusion(infusions, None, date(2026, 3, 15)) is None  # the day before
    assert phq9_due_at_infusion(infusions, date(2026, 3, 16), date(2026, 3, 17)) is None  # answered
    assert phq9_due_at_infusion(infusions, date(2026, 3, 3), date(2026, 3, 17)) == date(2026, 3, 16)


def test_input_errors_name_the_item():
    with pytest.raises(ValueError, match=r"^answers do not match the questionnaire: missing \[\], unexpected \['7'\]$"):
        total({"phq1": 1, "phq2": 1, 7: 1}, phq.PHQ2_ITEMS)
    with pytest.raises(ValueError, match=r"^phq2: answer must be an integer 0-3 \(got 4\)$"):
        total({"phq1": 1, "phq2": 4}, phq.PHQ2_ITEMS)
    with pytest.raises(ValueError, match="^phq9: required$"):
        phq9_item9_positive({"phq1": 0})
    with pytest.raises(ValueError, match=r"^phq9: answer must be an integer 0-3 \(got 4\)$"):
        phq9_item9_positive({"phq9": 4})
