"""Participant diary: the daily items, the post-infusion check-in and which days may be logged.

DOMAIN.md section 5: daily fatigue and joint pain 0-10, temperature if unwell, twelve yes/no symptoms and an
optional length-limited note; severity 0-4 for nine reaction items on days 1-7 after each infusion.
Nothing here reads the clock: ``today`` is always an argument.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Item:
    """One question as the participant sees it, in English and simplified Chinese."""

    key: str
    en: str
    zh: str


# DOMAIN.md section 5: the daily yes/no items, in the order the diary shows them.
SYMPTOMS: tuple[Item, ...] = (
    Item("new_rash", "New rash, itch or hives", "新出现的皮疹、瘙痒或荨麻疹"),
    Item("mouth_sores", "Mouth or nose sores", "口腔或鼻腔溃疡"),
    Item("hair_loss", "More hair loss than usual", "掉头发比平时多"),
    Item("swollen_joints", "Swollen joints", "关节肿胀"),
    Item("chest_pain_breathing", "Chest pain when breathing", "呼吸时胸痛"),
    Item("breathless", "Breathlessness", "气短、喘不上气"),
    Item("foamy_urine_swelling", "Foamy urine or swelling of legs or eyelids", "小便泡沫多，或腿、眼皮浮肿"),
    Item("burning_urination", "Burning or frequent urination", "小便烧灼痛或尿频"),
    Item("productive_cough", "Cough with phlegm", "咳嗽有痰"),
    Item("hot_painful_skin", "Red, hot or painful skin or blisters", "皮肤发红、发热、疼痛或起水疱"),
    Item("severe_headache", "Severe headache", "剧烈头痛"),
    Item("neuro", "Confusion, weakness, or a change in vision, speech or walking",
         "意识糊涂、肢体无力，或视力、说话、走路出现变化"),
)
SYMPTOM_KEYS = frozenset(item.key for item in SYMPTOMS)

# DOMAIN.md section 5: the post-infusion check-in, each item rated on SEVERITY.
REACTION_ITEMS: tuple[Item, ...] = (
    Item("itching", "Itching", "瘙痒"),
    Item("hives_rash", "Hives or rash", "荨麻疹或皮疹"),
    Item("face_swelling", "Swelling of face, lips or tongue", "脸、嘴唇或舌头肿胀"),
    Item("breathless_wheeze", "Breathlessness or wheeze", "气短或喘鸣（呼吸时有哨音）"),
    Item("dizzy_faint", "Dizziness or fainting", "头晕或晕倒"),
    Item("nausea", "Nausea", "恶心"),
    Item("headache", "Headache", "头痛"),
    Item("muscle_pain", "Muscle pain", "肌肉疼痛"),
    Item("fatigue", "Fatigue", "乏力"),
)
REACTION_KEYS = frozenset(item.key for item in REACTION_ITEMS)
SEVERITY: tuple[tuple[int, str, str], ...] = (
    (0, "None", "无"), (1, "Mild", "轻度"), (2, "Moderate", "中度"), (3, "Severe", "重度"),
    (4, "Very severe", "极重度"),
)
SEVERITY_MIN = 0
SEVERITY_MAX = 4
POST_INFUSION_DAYS = 7  # the check-in runs on days 1-7 after an infusion

SCORE_MIN = 0  # fatigue and joint pain
SCORE_MAX = 10
TEMPERATURE_MIN = Decimal("34.0")  # degrees Celsius; outside this is a typing error, not a reading
TEMPERATURE_MAX = Decimal("43.0")
NOTE_MAX_LENGTH = 500
DEFAULT_LATE_DAYS = 3

# day_status results
TODAY = "today"
LATE = "late"
TOO_OLD = "too_old"
FUTURE = "future"


def day_status(local_date: date, today: date, late_days: int) -> str:
    """Whether the diary day ``local_date`` may still be logged on ``today``.

    ``"today"``; ``"late"`` when it was 1 to ``late_days`` days ago (edges included); ``"too_old"`` when
    longer ago; ``"future"`` when after ``today``. ``late_days`` 0 allows today only.
    """
    if late_days < 0:
        raise ValueError(f"late_days must be >= 0 (got {late_days})")
    ago = (today - local_date).days
    if ago < 0:
        return FUTURE
    if ago == 0:
        return TODAY
    return LATE if ago <= late_days else TOO_OLD


def post_infusion_day(infusion_dates: Iterable[date], today: date) -> tuple[date, int] | None:
    """The infusion whose check-in runs on ``today``, and which day after it this is (1-7).

    DOMAIN.md section 5: "After each infusion (days 1-7 after it)". The infusion day itself is day 0 and
    has no check-in. When the windows of two infusions overlap, the most recent infusion wins.
    """
    candidates = [d for d in infusion_dates if 1 <= (today - d).days <= POST_INFUSION_DAYS]
    if not candidates:
        return None
    latest = max(candidates)
    return latest, (today - latest).days
