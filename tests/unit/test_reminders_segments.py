"""SMS segment counting (companion.domain.sms_text): GSM-7 160/153, UCS-2 70/67 (DOMAIN.md section 7)."""

from __future__ import annotations

from companion.domain.sms_text import count_segments, is_gsm7


def test_gsm7_limits():
    assert count_segments("a" * 160).count == 1
    assert count_segments("a" * 161).count == 2
    assert count_segments("a" * 306).count == 2
    assert count_segments("a" * 307).count == 3
    assert count_segments("a" * 160).encoding == "GSM-7"


def test_extension_characters_count_twice():
    assert count_segments("[" * 80).units == 160
    assert count_segments("[" * 81).count == 2


def test_ucs2_limits():
    assert count_segments("就" * 70) == count_segments("就" * 70).__class__("UCS-2", 70, 1)
    assert count_segments("就" * 71).count == 2
    assert count_segments("就" * 134).count == 2
    assert count_segments("就" * 135).count == 3


def test_one_chinese_character_makes_the_whole_text_ucs2():
    text = "a" * 69 + "就"
    assert not is_gsm7(text)
    assert count_segments(text).count == 1
    assert count_segments("a" * 70 + "就").count == 2


def test_characters_outside_the_bmp_take_two_units():
    assert count_segments("👍").units == 2
    assert count_segments("👍" * 35).count == 1
    assert count_segments("👍" * 36).count == 2


def test_units_are_whole_numbers_in_both_encodings():
    for text in ("Visit on Tue 3 Mar at 09:00", "您的门诊时间：3月3日周二09:00"):
        segments = count_segments(text)
        assert type(segments.units) is int and type(segments.count) is int
    assert count_segments("您好").units == 2
