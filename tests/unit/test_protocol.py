"""Protocol definition parsing and validation (DOMAIN.md section 1)."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any

import pytest

import companion.protocols as protocols
from companion.domain.protocol import ProtocolError, parse_protocol
from companion.protocols import available_protocols, load_protocol, load_protocol_file

# (day, week, infusion under every reading), written out by hand from DOMAIN.md section 1.
VISITS = [(1, 0, True), (15, 2, True), (29, 4, True), (57, 8, True), (85, 12, True),
          (113, 16, True), (141, 20, True), (169, 24, False)]


def valid_data() -> dict[str, Any]:
    """A fresh, valid protocol dict shaped like the TOML file."""
    return {
        "id": "TEST-1",
        "title": "Test protocol",
        "version": "1",
        "reading": "B",
        "window_days": 3,
        "min_days_between_maintenance_infusions": 21,
        "loading_doses": 3,
        "visit_time": "08:30",
        "visit_duration_minutes": 240,
        "readings": {
            "A": {"description": "8 infusions", "extra_infusion_days": [169]},
            "B": {"description": "7 infusions", "extra_infusion_days": []},
        },
        "visits": [
            {"day": day, "week": week, "label_en": f"Clinic visit (week {week})",
             "label_zh": f"门诊访视（第{week}周）", "infusion": infusion, "endpoint": day == 169}
            for day, week, infusion in VISITS
        ],
    }


def errors_of(data: dict[str, Any], reading: str | None = None) -> list[str]:
    with pytest.raises(ProtocolError, match=r"^[\w.\[\]]+: \S") as caught:  # every error names its place
        parse_protocol(data, reading)
    return caught.value.errors


def test_valid_dict_parses_with_settings():
    protocol = parse_protocol(valid_data())
    assert protocol.id == "TEST-1"
    assert protocol.window_days == 3
    assert protocol.min_days_between_maintenance_infusions == 21
    assert protocol.visit_time == time(8, 30)
    assert protocol.visit_duration_minutes == 240
    assert protocol.readings == ("A", "B")
    assert [v.key for v in protocol.visits][:3] == ["day-001", "day-015", "day-029"]


def test_reading_b_gives_seven_infusions_and_day_169_assessment_only():
    protocol = parse_protocol(valid_data())
    assert protocol.reading == "B"
    assert protocol.infusion_days == (1, 15, 29, 57, 85, 113, 141)
    assert protocol.endpoint_visit.day == 169
    assert protocol.endpoint_visit.infusion is False


def test_reading_a_gives_eight_infusions_with_day_169():
    protocol = parse_protocol(valid_data(), reading="A")
    assert protocol.reading == "A"
    assert protocol.infusion_days == (1, 15, 29, 57, 85, 113, 141, 169)
    assert protocol.endpoint_visit.infusion is True
    assert protocol.endpoint_visit.loading is False


def test_with_reading_switches_both_ways():
    b = parse_protocol(valid_data())
    a = b.with_reading("A")
    assert len(a.infusion_days) == 8
    assert len(a.with_reading("B").infusion_days) == 7
    assert b.infusion_days == (1, 15, 29, 57, 85, 113, 141)  # the original is unchanged


def test_with_reading_unknown_name():
    with pytest.raises(ProtocolError, match=r"^reading: must be one of A, B \(got 'C'\)$") as caught:
        parse_protocol(valid_data()).with_reading("C")
    assert caught.value.errors[0].startswith("reading: must be one of A, B")


def test_loading_doses_are_the_first_three_infusions():
    protocol = parse_protocol(valid_data())
    assert [v.day for v in protocol.visits if v.loading] == [1, 15, 29]


def test_visits_are_sorted_by_day():
    data = valid_data()
    data["visits"].reverse()
    assert [v.day for v in parse_protocol(data).visits] == [1, 15, 29, 57, 85, 113, 141, 169]


def test_day_zero_is_rejected():
    data = valid_data()
    data["visits"][0]["day"] = 0
    errors = errors_of(data)
    assert "visits[0].day: must be an integer >= 1" in errors


def test_duplicate_day():
    data = valid_data()
    data["visits"][2]["day"] = 15
    data["visits"][2]["week"] = 2
    assert "visits[2].day: duplicate day 15 (also visits[1])" in errors_of(data)


def test_duplicate_key():
    data = valid_data()
    data["visits"][1]["key"] = "v"
    data["visits"][2]["key"] = "v"
    assert "visits[2].key: duplicate key v (also visits[1])" in errors_of(data)


def test_week_must_match_day():
    data = valid_data()
    data["visits"][3]["week"] = 9
    assert errors_of(data) == ["visits[3].week: must be 8 for day 57 (week N is day 7*N + 1)"]


def test_day_must_be_a_week_target_day():
    data = valid_data()
    data["visits"][3]["day"] = 58
    assert errors_of(data) == ["visits[3].day: 58 is not a week's target day (7 * week + 1)"]


def test_unknown_top_level_key_catches_typo():
    data = valid_data()
    data["windows_days"] = data.pop("window_days")
    assert errors_of(data) == ["windows_days: unknown key", "window_days: required"]


def test_unknown_visit_key():
    data = valid_data()
    data["visits"][1]["endpiont"] = True
    assert "visits[1].endpiont: unknown key" in errors_of(data)


def test_bad_reading():
    data = valid_data()
    data["reading"] = "C"
    assert errors_of(data) == ["reading: must be one of A, B (got 'C')"]


def test_bad_reading_argument():
    assert errors_of(valid_data(), reading="a") == ["reading: must be one of A, B (got 'a')"]


@pytest.mark.parametrize("value", ["8:30", "24:00", "08:60", "0830", 830])
def test_bad_time(value):
    data = valid_data()
    data["visit_time"] = value
    assert errors_of(data) == ['visit_time: must be a time "HH:MM" between 00:00 and 23:59']


def test_two_endpoints():
    data = valid_data()
    data["visits"][6]["endpoint"] = True
    assert errors_of(data) == ["visits: exactly one visit must have endpoint = true (found 2: days 141, 169)"]


def test_no_endpoint():
    data = valid_data()
    data["visits"][7]["endpoint"] = False
    assert errors_of(data) == ["visits: exactly one visit must have endpoint = true (found 0)"]


@pytest.mark.parametrize("value", [-1, 15, "3", True])
def test_window_out_of_range(value):
    data = valid_data()
    data["window_days"] = value
    assert errors_of(data) == ["window_days: must be an integer between 0 and 14"]


@pytest.mark.parametrize("value", [0, 14])
def test_window_edges_accepted(value):
    data = valid_data()
    data["window_days"] = value
    assert parse_protocol(data).window_days == value


def test_first_visit_must_be_day_1():
    data = valid_data()
    del data["visits"][0]
    assert errors_of(data) == ["visits: the first visit must be on day 1 (there is no day 0), found day 15"]


def test_extra_infusion_day_must_be_a_visit():
    data = valid_data()
    data["readings"]["A"]["extra_infusion_days"] = [170]
    assert errors_of(data) == ["readings.A.extra_infusion_days[0]: day 170 is not a visit day"]


def test_loading_doses_cannot_exceed_infusions():
    data = valid_data()
    data["loading_doses"] = 8
    assert errors_of(data) == ["loading_doses: must be at most the number of infusions (7)"]


def test_missing_key_and_wrong_type():
    data = valid_data()
    del data["title"]
    data["visits"][4]["infusion"] = "yes"
    assert errors_of(data) == ["title: required", "visits[4].infusion: must be true or false"]


def test_all_errors_are_collected_and_joined():
    data = valid_data()
    data["visits"][0]["day"] = 0
    data["reading"] = "C"
    data["visit_time"] = "8am"
    data["window_days"] = 30
    with pytest.raises(ProtocolError, match="window_days: must be an integer between 0 and 14; visit_time: ") as caught:
        parse_protocol(data)
    errors = caught.value.errors
    assert "visits[0].day: must be an integer >= 1" in errors
    assert "reading: must be one of A, B (got 'C')" in errors
    assert 'visit_time: must be a time "HH:MM" between 00:00 and 23:59' in errors
    assert "window_days: must be an integer between 0 and 14" in errors
    assert str(caught.value) == "; ".join(errors)
    assert isinstance(caught.value, ValueError)


def test_shipped_protocol_loads():
    protocol = load_protocol()
    assert protocol.id == "NCT04956484"
    assert protocol.reading == "B"
    assert protocol.window_days == 3
    assert protocol.infusion_days == (1, 15, 29, 57, 85, 113, 141)
    assert [(v.day, v.week) for v in protocol.visits] == [(d, w) for d, w, _ in VISITS]
    assert protocol.endpoint_visit.day == 169
    assert load_protocol(reading="A").infusion_days[-1] == 169
    assert "nct04956484" in available_protocols()


def test_shipped_labels_do_not_name_drug_or_disease():
    words = ("belimumab", "benlysta", "lupus", "sle", "贝利尤单抗", "倍力腾", "狼疮", "nct")
    for visit in load_protocol().visits:
        for label in (visit.label_en, visit.label_zh):
            assert not any(word in label.lower() for word in words), label


def test_toml_syntax_error_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "broken.toml").write_text('id = "X\nwindow_days = 3\n', encoding="utf-8")
    monkeypatch.setattr(protocols, "PROTOCOL_DIR", tmp_path)
    with pytest.raises(ProtocolError, match="^broken.toml: invalid TOML") as caught:
        load_protocol("broken")
    assert caught.value.errors[0].startswith("broken.toml: invalid TOML")


def test_validation_errors_are_prefixed_with_the_file_name(tmp_path: Path):
    path = tmp_path / "partial.toml"
    path.write_text('id = "X"\nwindow_days = 3\n', encoding="utf-8")
    with pytest.raises(ProtocolError, match="^partial.toml: title: required; partial.toml: version: ") as caught:
        load_protocol_file(path)
    assert "partial.toml: title: required" in caught.value.errors
    assert all(error.startswith("partial.toml: ") for error in caught.value.errors)


def test_missing_protocol_file_and_bad_name():
    with pytest.raises(ProtocolError, match="no-such-protocol.toml: cannot read file"):
        load_protocol("no-such-protocol")
    with pytest.raises(ProtocolError, match="not a protocol name"):
        load_protocol("../etc/passwd")


def test_lldas_settings_come_from_the_protocol_file():
    from companion.protocols import load_protocol

    settings = load_protocol().lldas
    assert settings.cyclophosphamide_allowed is False and settings.study_drug_allowed is True


def test_lldas_settings_are_validated():
    import tomllib

    import pytest as _pytest

    from companion.domain.protocol import ProtocolError, parse_protocol
    from companion.protocols import PROTOCOL_DIR

    data = tomllib.loads((PROTOCOL_DIR / "nct04956484.toml").read_text(encoding="utf-8"))
    data["lldas"] = {"cyclophosphamide_counts": True}
    assert parse_protocol(data).lldas.cyclophosphamide_allowed is True
    data["lldas"] = {"cyclophosphamide_counts": "yes", "steroids_count": True}
    with _pytest.raises(ProtocolError, match="lldas.cyclophosphamide_counts: must be true or false; "
                                             "lldas.steroids_count: unknown key") as caught:
        parse_protocol(data)
    assert "lldas.cyclophosphamide_counts: must be true or false" in caught.value.errors
    assert any(e.startswith("lldas.steroids_count: unknown key") for e in caught.value.errors)


# ---- every error names its path (the coordinator editing the file reads these) --------------------------------

def test_a_protocol_that_is_not_a_table():
    with pytest.raises(ProtocolError, match="protocol: must be a table") as caught:
        parse_protocol([])
    assert caught.value.errors == ["protocol: must be a table"]
    assert ProtocolError("one problem").errors == ["one problem"]


def test_every_missing_setting_is_named():
    assert errors_of({}) == [
        "id: required", "title: required", "version: required", "window_days: required",
        "min_days_between_maintenance_infusions: required", "loading_doses: required", "visit_time: required",
        "visit_duration_minutes: required", "readings: required", "visits: required", "reading: required"]


def test_every_bad_setting_is_named():
    data = valid_data() | {"id": " ", "title": 5, "version": "", "window_days": 15,
                           "min_days_between_maintenance_infusions": 0, "loading_doses": -1, "visit_time": "24:00",
                           "visit_duration_minutes": 1441, "reading": 3}
    assert errors_of(data) == [
        "id: must be a non-empty string", "title: must be a non-empty string", "version: must be a non-empty string",
        "window_days: must be an integer between 0 and 14",
        "min_days_between_maintenance_infusions: must be an integer >= 1", "loading_doses: must be an integer >= 0",
        'visit_time: must be a time "HH:MM" between 00:00 and 23:59',
        "visit_duration_minutes: must be an integer between 1 and 1440", "reading: must be a non-empty string"]


def test_settings_at_their_limits_are_accepted():
    data = valid_data() | {"visit_time": "23:59", "visit_duration_minutes": 1440,
                           "min_days_between_maintenance_infusions": 1, "loading_doses": 7}
    protocol = parse_protocol(data)
    assert protocol.visit_time == time(23, 59) and protocol.visit_duration_minutes == 1440
    assert protocol.loading_doses == 7  # every infusion of reading B may be a loading dose
    assert parse_protocol(valid_data() | {"loading_doses": 0, "visit_duration_minutes": 1}).loading_doses == 0


def test_parsed_protocol_keeps_its_names_and_readings():
    protocol = parse_protocol(valid_data())
    assert (protocol.title, protocol.version, protocol.reading) == ("Test protocol", "1", "B")
    assert [(d.name, d.description, d.extra_infusion_days) for d in protocol.reading_definitions] == [
        ("A", "8 infusions", (169,)), ("B", "7 infusions", ())]
    assert protocol.with_reading("A").reading == "A"
    assert all(v.endpoint is (v.day == 169) for v in protocol.visits)
    without_endpoint_flags = valid_data()
    for visit in without_endpoint_flags["visits"][:-1]:
        del visit["endpoint"]
    assert [v.endpoint for v in parse_protocol(without_endpoint_flags).visits][:2] == [False, False]


def test_every_bad_reading_is_named():
    data = valid_data()
    data["readings"] = {"A": 5, "B": {"description": "", "extra_infusion_days": "169", "typo": 1},
                        "C": {"extra_infusion_days": [1, 3, "x"]}}
    assert errors_of(data) == [
        "readings.A: must be a table", "readings.B.typo: unknown key",
        "readings.B.description: must be a non-empty string",
        "readings.B.extra_infusion_days: must be an array of study days",
        "readings.C.description: required", "readings.C.extra_infusion_days[2]: must be an integer >= 1"]
    assert errors_of(valid_data() | {"readings": {}}) == [
        "readings: must be a table with at least one [readings.NAME] entry"]
    # an invalid reading is not offered as the one in force
    one_bad = valid_data() | {"reading": "A"}
    one_bad["readings"]["A"] = 5
    assert errors_of(one_bad) == ["readings.A: must be a table"]


def test_an_extra_infusion_on_day_1_is_already_an_infusion():
    data = valid_data()
    data["readings"]["A"]["extra_infusion_days"] = [1]
    assert errors_of(data) == ["readings.A.extra_infusion_days[0]: day 1 is already an infusion in every reading"]


def test_every_bad_visit_field_is_named():
    data = valid_data()
    data["visits"] = [5, *data["visits"][1:], {"day": 8, "week": "1", "key": "Bad Key", "label_en": "",
                                                "label_zh": 3, "infusion": "yes", "endpoint": "no"}]
    assert errors_of(data) == [
        "visits[0]: must be a table", "visits[8].week: must be an integer >= 0",
        "visits[8].key: must use only a-z, 0-9 and '-'", "visits[8].label_en: must be a non-empty string",
        "visits[8].label_zh: must be a non-empty string", "visits[8].infusion: must be true or false",
        "visits[8].endpoint: must be true or false"]


@pytest.mark.parametrize("visits", ["x", []])
def test_visits_must_be_a_non_empty_array(visits):
    assert errors_of(valid_data() | {"visits": visits}) == ["visits: must be a non-empty array of tables ([[visits]])"]


def test_invalid_visits_are_not_checked_against_the_readings():
    data = valid_data()
    data["visits"][1] |= {"day": 1, "week": 0}
    data["readings"]["A"]["extra_infusion_days"] = [170]
    assert errors_of(data) == ["visits[1].day: duplicate day 1 (also visits[0])",
                               "visits[1].key: duplicate key day-001 (also visits[0])"]


def test_the_day_1_visit_must_be_an_infusion():
    data = valid_data()
    data["visits"][0]["infusion"] = False
    assert errors_of(data) == [
        "visits: the day 1 visit must have infusion = true (study day 1 is the first infusion)"]


def test_a_bad_visit_key_is_named_with_its_visit():
    data = valid_data()
    data["visits"][2]["key"] = " "
    assert errors_of(data) == ["visits[2].key: must be a non-empty string"]
