"""The registered SMS templates (DOMAIN.md section 7): rendered for a fully filled participant, none
carries health information, a study name or a link; each fits its segment budget; reminders differ."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest

from companion.domain.reminder_plan import KINDS
from companion.sms import templates

LANGUAGES = ("zh-CN", "en")
#: words that would disclose the condition, the treatment or the trial
FORBIDDEN_LATIN = ["lupus", "SLE", "belimumab", "Benlysta", "study", "trial", "mg", "dose", "dosage", "infusion",
                   "drug", "steroid", "prednisone", "disease", "diagnosis", "NCT", "LLDAS", "PHQ", "medication",
                   "injection", "placebo", "IV"]
FORBIDDEN_CJK = ["狼疮", "红斑", "贝利尤单抗", "倍力腾", "研究", "试验", "临床", "剂量", "毫克", "输注", "输液",
                 "药", "激素", "诊断", "疾病", "注射"]
FULL = {"day": date(2026, 12, 30), "at": time(8, 30), "contact": "+86 10 6915 0000"}


def rendered_all():
    for name in templates.TEMPLATES:
        for language in LANGUAGES:
            yield templates.render(name, language, **FULL)


@pytest.mark.parametrize("text", list(rendered_all()), ids=lambda t: f"{t.name}-{t.language}")
def test_no_health_information_study_name_or_link(text):
    for word in FORBIDDEN_LATIN:
        assert not re.search(rf"\b{re.escape(word)}\b", text.body, re.IGNORECASE), (word, text.body)
    for word in FORBIDDEN_CJK:
        assert word not in text.body, (word, text.body)
    assert "http" not in text.body.lower() and "www." not in text.body.lower()
    assert "{" not in text.body and "}" not in text.body  # every placeholder filled


@pytest.mark.parametrize("text", list(rendered_all()), ids=lambda t: f"{t.name}-{t.language}")
def test_each_template_fits_one_segment(text):
    if text.language == "zh-CN":
        assert text.segments.encoding == "UCS-2"
        assert text.segments.units <= 70 - 8, text.body  # room for the carrier's 【signature】
    else:
        assert text.segments.encoding == "GSM-7"
    assert text.segments.count == 1, (text.body, text.segments)


def test_every_reminder_kind_has_both_languages():
    for kind in KINDS:
        assert set(templates.TEMPLATES[kind]) == set(LANGUAGES)
    for name, texts in templates.TEMPLATES.items():
        assert set(texts) == set(LANGUAGES), name


def test_reminders_carry_the_date_so_no_two_are_identical():
    first, second = date(2026, 12, 30), date(2026, 12, 31)
    for language in LANGUAGES:
        bodies = [templates.for_reminder(kind, language, day=day, at=time(8, 30)).body
                  for kind in KINDS for day in (first, second, first + timedelta(days=7))]
        assert len(bodies) == len(set(bodies))
        for kind in KINDS:
            assert templates.format_date(first, language) in templates.for_reminder(kind, language, day=first,
                                                                                    at=time(8, 30)).body


def test_dates_and_times_read_naturally():
    assert templates.format_date(date(2026, 3, 3), "en") == "Tue 3 Mar"
    assert templates.format_date(date(2026, 3, 3), "zh-CN") == "3月3日周二"
    assert templates.render("visit_d1", "en", day=date(2026, 3, 3), at=time(9, 0)).body == (
        "Reminder: your clinic visit is tomorrow, Tue 3 Mar at 09:00. If you cannot come, please call the clinic.")


def test_help_without_a_contact_number_uses_its_own_registered_text():
    assert templates.help_reply("en", "").name == "help_no_contact"
    assert "+86 10" in templates.help_reply("zh-CN", "+86 10 6915 0000").body
