"""Registered SMS templates for reminders and replies (DOMAIN.md section 7).

Carriers in mainland China accept only pre-registered texts, so the wording lives here, in code and in
both languages, and not in the translation catalogues (a changed translation would be an unregistered
text). Rules every template keeps (tests/unit/test_reminders_templates.py checks them):

- no diagnosis, drug, dose, study or trial name, and no name of the participant: a date, a time and
  the clinic is the level of detail allowed;
- the visit or diary date is in every reminder, so no two reminders to one number are identical within
  24 hours (three identical texts a day are rejected by the carriers);
- useful without a link (links may be blocked);
- Chinese texts fit one UCS-2 segment (70 characters), leaving room for the carrier's signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from companion.domain.sms_text import Segments, count_segments

WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

#: name -> language -> text with {date}, {time} and {contact} placeholders only
TEMPLATES: dict[str, dict[str, str]] = {
    "visit_d2": {
        "en": "Reminder: you have a clinic visit on {date} at {time}, in 2 days. "
              "If you cannot come, please call the clinic soon.",
        "zh-CN": "提醒：您{date}{time}有门诊就诊（2天后）。如不能按时前来，请尽早联系门诊。",
    },
    "visit_d1": {
        "en": "Reminder: your clinic visit is tomorrow, {date} at {time}. If you cannot come, please call the clinic.",
        "zh-CN": "提醒：您明天（{date}）{time}有门诊就诊。如不能按时前来，请联系门诊。",
    },
    "visit_d0": {
        "en": "Today, {date}: your clinic visit is at {time}. See you soon.",
        "zh-CN": "今天（{date}）{time}是您的门诊就诊时间，期待与您见面。",
    },
    "diary": {
        "en": "Reminder for {date}: please fill in today's page in the Visit companion app.",
        "zh-CN": "{date}提醒：请在“访视助手”中填写今天的记录。",
    },
    "help": {
        "en": "Visit reminders from your clinic. Questions: call {contact}. Reply STOP to end them, START to resume.",
        "zh-CN": "这是门诊的就诊提醒。如有疑问请致电{contact}。回复STOP停止，回复START恢复。",
    },
    "help_no_contact": {
        "en": "Visit reminders from your clinic. Questions: ask at the clinic desk. Reply STOP to end them.",
        "zh-CN": "这是门诊的就诊提醒。如有疑问请咨询门诊前台。回复STOP停止提醒。",
    },
    "confirmed": {
        "en": "Thank you: your clinic visit on {date} at {time} is confirmed.",
        "zh-CN": "谢谢，您{date}{time}的门诊就诊已确认。",
    },
}


@dataclass(frozen=True, slots=True)
class Rendered:
    name: str
    language: str
    body: str
    segments: Segments


def format_date(day: date, language: str) -> str:
    """"Tue 10 Mar" or "3月10日周二": enough to tell one day from another, no year needed."""
    if language == "en":
        return f"{WEEKDAYS_EN[day.weekday()]} {day.day} {MONTHS_EN[day.month - 1]}"
    return f"{day.month}月{day.day}日{WEEKDAYS_ZH[day.weekday()]}"


def format_time(at: time | None) -> str:
    return at.strftime("%H:%M") if at else ""


def render(name: str, language: str, *, day: date | None = None, at: time | None = None,
           contact: str = "") -> Rendered:
    """The registered template ``name`` in ``language`` (zh-CN for anything but "en")."""
    language = "en" if language == "en" else "zh-CN"
    text = TEMPLATES[name][language]
    body = text.format(date=format_date(day, language) if day else "", time=format_time(at), contact=contact)
    return Rendered(name=name, language=language, body=body, segments=count_segments(body))


def for_reminder(kind: str, language: str, *, day: date, at: time | None) -> Rendered:
    """A reminder's text; its template is named after the reminder's kind (companion.domain.reminder_plan)."""
    return render(kind, language, day=day, at=at)


def help_reply(language: str, contact: str) -> Rendered:
    contact = (contact or "").strip()
    if contact:
        return render("help", language, contact=contact)
    return render("help_no_contact", language)
