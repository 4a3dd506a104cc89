"""Mood questionnaires: PHQ-2 weekly, opening the PHQ-9 when positive (DOMAIN.md section 5).

Belimumab carries a depression/suicidality warning. Wording: the standard English PHQ-9 (Spitzer, Williams,
Kroenke; free to reproduce) and its widely used simplified Chinese version (Pfizer, "Chinese for China").
The PHQ-2 is the first two PHQ-9 items, with the same stem and answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from companion.domain.diary_rules import Item

STEM_EN = "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
STEM_ZH = "在过去的两周里，你生活中以下症状出现的频率有多少？"

PHQ9_ITEMS: tuple[Item, ...] = (
    Item("phq1", "Little interest or pleasure in doing things", "做事时提不起劲或没有兴趣"),
    Item("phq2", "Feeling down, depressed, or hopeless", "感到心情低落、沮丧或绝望"),
    Item("phq3", "Trouble falling or staying asleep, or sleeping too much", "入睡困难、睡不安稳或睡眠过多"),
    Item("phq4", "Feeling tired or having little energy", "感觉疲倦或没有活力"),
    Item("phq5", "Poor appetite or overeating", "食欲不振或吃太多"),
    Item("phq6", "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
         "觉得自己很糟，或觉得自己很失败，或让自己或家人失望"),
    Item("phq7", "Trouble concentrating on things, such as reading the newspaper or watching television",
         "对事物专注有困难，例如阅读报纸或看电视时"),
    Item("phq8", "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so "
                 "fidgety or restless that you have been moving around a lot more than usual",
         "动作或说话速度缓慢到别人已经觉察？或正好相反——烦躁或坐立不安、动来动去的情况更胜于平常"),
    Item("phq9", "Thoughts that you would be better off dead or of hurting yourself in some way",
         "有不如死掉或用某种方式伤害自己的念头"),
)
PHQ2_ITEMS: tuple[Item, ...] = PHQ9_ITEMS[:2]
ITEM9_KEY = "phq9"  # thoughts of self-harm

ANSWERS: tuple[tuple[int, str, str], ...] = (
    (0, "Not at all", "完全不会"),
    (1, "Several days", "好几天"),
    (2, "More than half the days", "一半以上的天数"),
    (3, "Nearly every day", "几乎每天"),
)
ANSWER_MIN = 0
ANSWER_MAX = 3

PHQ2_POSITIVE = 3  # a PHQ-2 total >= 3 opens the PHQ-9
PHQ9_MODERATE = 10  # PHQ-9 total >= 10: moderate or worse
PHQ2_INTERVAL_DAYS = 7  # PHQ-2 weekly


def _check_answer(key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not ANSWER_MIN <= value <= ANSWER_MAX:
        raise ValueError(f"{key}: answer must be an integer {ANSWER_MIN}-{ANSWER_MAX} (got {value!r})")
    return value


def total(answers: Mapping[str, object], items: Sequence[Item]) -> int:
    """Sum of the answers to ``items`` (PHQ2_ITEMS: 0-6; PHQ9_ITEMS: 0-27).

    Raises ValueError when an item is unanswered, a key is not one of ``items``, or an answer is not an
    integer 0-3 (bools and strings refused). DOMAIN.md section 5: "0-3 per item".
    """
    keys = [item.key for item in items]
    missing = [k for k in keys if k not in answers]
    extra = sorted(str(k) for k in answers if k not in keys)
    if missing or extra:
        raise ValueError(f"answers do not match the questionnaire: missing {missing}, unexpected {extra}")
    return sum(_check_answer(k, answers[k]) for k in keys)


def phq2_opens_phq9(phq2_total: int) -> bool:
    """DOMAIN.md section 5: "a total >= 3 opens the PHQ-9"."""
    return phq2_total >= PHQ2_POSITIVE


def phq9_item9_positive(answers: Mapping[str, object]) -> bool:
    """True when item 9 (thoughts of being better off dead or of self-harm) is answered above 0.

    DOMAIN.md section 6: "PHQ-9 item 9 > 0" is RED. Raises ValueError when item 9 is missing or invalid.
    """
    if ITEM9_KEY not in answers:
        raise ValueError(f"{ITEM9_KEY}: required")
    return _check_answer(ITEM9_KEY, answers[ITEM9_KEY]) > 0


def phq2_due(last_phq2_date: date | None, today: date) -> bool:
    """DOMAIN.md section 5 "PHQ-2 weekly": due when none was done yet, or 7 or more days after the last."""
    return last_phq2_date is None or (today - last_phq2_date).days >= PHQ2_INTERVAL_DAYS


PHQ9_AT_INFUSION_DAYS = 3  # offered from the infusion day to 3 days after it


def phq9_due_at_infusion(infusion_dates: Iterable[date], last_phq9_date: date | None, today: date,
                         days: int = PHQ9_AT_INFUSION_DAYS) -> date | None:
    """DOMAIN.md section 5: "PHQ-9 also at each infusion visit". The infusion it is due for (given or
    planned within the last ``days`` days, today included), unless a PHQ-9 was answered since; else None."""
    recent = [d for d in infusion_dates if 0 <= (today - d).days <= days]
    if not recent:
        return None
    latest = max(recent)
    if last_phq9_date is not None and last_phq9_date >= latest:
        return None
    return latest
