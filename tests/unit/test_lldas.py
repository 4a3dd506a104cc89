"""LLDAS criteria (DOMAIN.md section 3): each criterion failing alone while the other four hold."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from companion.domain.lldas import (
    DEFAULT_SETTINGS,
    IMMUNOSUPPRESSANTS,
    MAINTENANCE_MAXIMA,
    LldasInput,
    LldasSettings,
    assess,
    parse_settings,
)

D = Decimal

# In LLDAS on every criterion, each one at its limit: SLEDAI-2K 4 from serology alone, PGA 1, prednisone 7.5,
# every maintenance drug at its published maximum, plus belimumab (the study drug, allowed by default).
BASE = LldasInput(
    sledai_present=frozenset({"low_complement", "increased_dna_binding"}),
    haemolytic_anaemia=False,
    gi_activity=False,
    previous_present=frozenset({"low_complement", "increased_dna_binding", "rash"}),
    new_activity_by_coordinator=False,
    pga=D("1.0"),
    prednisone_mg=D("7.5"),
    immunosuppressants={"hydroxychloroquine": D(400), "mycophenolate_mofetil": D(3000), "belimumab": D(600)},
    immunosuppressants_tolerated=True,
)


def _met(value: LldasInput, settings: LldasSettings = DEFAULT_SETTINGS) -> dict[int, bool]:
    return {c.number: c.met for c in assess(value, settings).criteria}


def test_base_case_is_in_lldas_with_all_five_criteria_stored():
    result = assess(BASE)
    assert [(c.number, c.key) for c in result.criteria] == [
        (1, "disease_activity"), (2, "no_new_activity"), (3, "pga"), (4, "prednisone"), (5, "immunosuppressants")]
    assert all(c.met for c in result.criteria)
    assert all(c.detail_en for c in result.criteria)
    assert result.in_lldas is True


# Each case changes one input of BASE; exactly that criterion fails and the verdict is "not in LLDAS".
ALONE = [
    ("sledai_5", 1, {"sledai_present": frozenset({"low_complement", "increased_dna_binding", "thrombocytopenia"}),
                     "previous_present": frozenset({"low_complement", "increased_dna_binding", "thrombocytopenia"})}),
    ("sledai_6", 1, {"sledai_present": frozenset({"low_complement", "increased_dna_binding", "rash"}),
                     "previous_present": frozenset({"low_complement", "increased_dna_binding", "rash"})}),
    ("fever_total_1", 1, {"sledai_present": frozenset({"fever"}), "previous_present": frozenset({"fever"})}),
    ("pleurisy_total_2", 1, {"sledai_present": frozenset({"pleurisy"}), "previous_present": frozenset({"pleurisy"})}),
    ("haemolytic_anaemia", 1, {"haemolytic_anaemia": True}),
    ("gi_activity", 1, {"gi_activity": True}),
    ("new_descriptor", 2, {"sledai_present": frozenset({"low_complement", "leukopenia"}),  # 3, leukopenia new
                           "previous_present": frozenset({"low_complement"})}),
    ("coordinator_new_activity", 2, {"new_activity_by_coordinator": True}),
    ("coordinator_first_assessment", 2, {"previous_present": None, "new_activity_by_coordinator": True}),
    ("pga_1.01", 3, {"pga": D("1.01")}),
    ("pga_1.5", 3, {"pga": D("1.5")}),
    ("prednisone_7.51", 4, {"prednisone_mg": D("7.51")}),
    ("prednisone_7.6", 4, {"prednisone_mg": D("7.6")}),
    ("mmf_3001", 5, {"immunosuppressants": {"mycophenolate_mofetil": D(3001)}}),
    ("hcq_401", 5, {"immunosuppressants": {"hydroxychloroquine": D(401)}}),
    ("not_tolerated", 5, {"immunosuppressants_tolerated": False}),
    ("cyclophosphamide_by_default", 5, {"immunosuppressants": {"cyclophosphamide": D(500)}}),
    ("unlisted_drug", 5, {"immunosuppressants": {"tacrolimus": D(2)}}),
]


@pytest.mark.parametrize(("name", "failing", "change"), ALONE, ids=[a[0] for a in ALONE])
def test_each_criterion_fails_alone(name, failing, change):
    value = replace(BASE, **change)
    result = assess(value)
    assert {c.number: c.met for c in result.criteria} == {n: n != failing for n in range(1, 6)}, name
    assert result.in_lldas is False


@pytest.mark.parametrize("change", [
    {"sledai_present": frozenset({"low_complement", "increased_dna_binding"})},  # total 4: at the limit
    {"sledai_present": frozenset({"arthritis"}), "previous_present": frozenset({"arthritis"})},  # 4, not major
    {"pga": D(0)},
    {"prednisone_mg": D(0)},
    {"immunosuppressants": {}},
    {"immunosuppressants": dict(MAINTENANCE_MAXIMA)},  # every maintenance drug at its maximum
    {"previous_present": None},  # first assessment: only the coordinator's answer counts
    {"sledai_present": frozenset(), "previous_present": frozenset({"seizure"})},  # resolved activity is fine
])
def test_still_in_lldas(change):
    assert assess(replace(BASE, **change)).in_lldas is True


def test_serology_alone_total_4_meets_criterion_1():
    # low complement + increased DNA binding = 2 + 2 = 4, no major organ -> criterion 1 met
    criterion = assess(BASE).criteria[0]
    assert criterion.met is True
    assert "SLEDAI-2K 4" in criterion.detail_en


def test_details_name_what_failed():
    value = replace(BASE, sledai_present=frozenset({"fever", "pleurisy", "low_complement"}),
                    previous_present=frozenset({"low_complement"}), pga=D("2"),
                    immunosuppressants={"methotrexate": D(35), "rituximab": D(1000)})
    criteria = assess(value).criteria
    assert "cardiopulmonary, fever" in criteria[0].detail_en
    assert "SLEDAI-2K 5" in criteria[0].detail_en
    assert "pleurisy, fever" in criteria[1].detail_en  # table order
    assert "PGA 2" in criteria[2].detail_en
    assert "methotrexate 35" in criteria[4].detail_en and "rituximab" in criteria[4].detail_en


def test_cyclophosphamide_depends_on_the_site_setting():
    with_cyc = replace(BASE, immunosuppressants={"cyclophosphamide": D(500), "hydroxychloroquine": D(200)})
    assert _met(with_cyc)[5] is False
    assert assess(with_cyc).in_lldas is False
    allowed = LldasSettings(cyclophosphamide_allowed=True)
    assert _met(with_cyc, allowed) == {n: True for n in range(1, 6)}
    assert assess(with_cyc, allowed).in_lldas is True
    # the setting does not excuse intolerance
    assert assess(replace(with_cyc, immunosuppressants_tolerated=False), allowed).in_lldas is False


def test_study_drug_depends_on_the_site_setting():
    assert DEFAULT_SETTINGS.study_drug_allowed is True
    assert assess(BASE).in_lldas is True  # BASE includes belimumab
    not_counted = LldasSettings(study_drug_allowed=False)
    assert _met(BASE, not_counted) == {1: True, 2: True, 3: True, 4: True, 5: False}
    assert assess(BASE, not_counted).in_lldas is False


def test_site_maxima_override():
    tighter = LldasSettings(maxima={**MAINTENANCE_MAXIMA, "mycophenolate_mofetil": D(2000)})
    assert _met(BASE, tighter)[5] is False
    with_cyc_limit = LldasSettings(maxima={**MAINTENANCE_MAXIMA, "cyclophosphamide": D(100)})
    assert _met(replace(BASE, immunosuppressants={"cyclophosphamide": D(50)}), with_cyc_limit)[5] is True
    assert _met(replace(BASE, immunosuppressants={"cyclophosphamide": D(150)}), with_cyc_limit)[5] is False


def test_published_maxima_and_names():
    assert dict(MAINTENANCE_MAXIMA) == {
        "hydroxychloroquine": D(400), "methotrexate": D(30), "azathioprine": D(200),
        "mycophenolate_mofetil": D(3000), "mycophenolic_acid": D(2160), "leflunomide": D(20)}
    assert {k: zh for k, (_, zh) in IMMUNOSUPPRESSANTS.items()} == {
        "hydroxychloroquine": "羟氯喹", "methotrexate": "甲氨蝶呤", "azathioprine": "硫唑嘌呤",
        "mycophenolate_mofetil": "吗替麦考酚酯", "mycophenolic_acid": "麦考酚酸", "leflunomide": "来氟米特",
        "cyclophosphamide": "环磷酰胺", "belimumab": "贝利尤单抗"}
    assert all(en for en, _ in IMMUNOSUPPRESSANTS.values())
    for key, maximum in MAINTENANCE_MAXIMA.items():  # each maximum is inclusive
        assert _met(replace(BASE, immunosuppressants={key: maximum}))[5] is True, key
        assert _met(replace(BASE, immunosuppressants={key: maximum + D("0.01")}))[5] is False, key


@pytest.mark.parametrize(("change", "error", "message"), [
    ({"pga": D("-0.1")}, ValueError, r"pga must be a finite number >= 0 \(got -0.1\)"),
    ({"pga": D("3.01")}, ValueError, r"pga must be between 0 and 3 \(got 3.01\)"),
    ({"pga": 1.0}, TypeError, "pga must be a Decimal or int, not float"),
    ({"prednisone_mg": 5.0}, TypeError, "prednisone_mg must be a Decimal or int, not float"),
    ({"prednisone_mg": D("-1")}, ValueError, r"prednisone_mg must be a finite number >= 0 \(got -1\)"),
    ({"prednisone_mg": D("NaN")}, ValueError, r"prednisone_mg must be a finite number >= 0 \(got NaN\)"),
    ({"immunosuppressants": {"methotrexate": 15.0}}, TypeError,
     r"immunosuppressants\['methotrexate'\] must be a Decimal or int, not float"),
    ({"sledai_present": frozenset({"nephritis"})}, ValueError, "unknown SLEDAI-2K descriptors: nephritis"),
    ({"previous_present": frozenset({"nephritis"})}, ValueError, "unknown SLEDAI-2K descriptors: nephritis"),
])
def test_invalid_input(change, error, message):
    with pytest.raises(error, match=message):
        replace(BASE, **change)


def test_pga_range_is_inclusive():
    assert replace(BASE, pga=D(3)).pga == D(3)
    assert replace(BASE, pga=D(0)).pga == D(0)


def test_inputs_are_frozen_copies():
    doses = {"methotrexate": D(15)}
    value = replace(BASE, immunosuppressants=doses, sledai_present={"rash"})
    doses["methotrexate"] = D(50)
    assert value.immunosuppressants["methotrexate"] == D(15)
    assert value.sledai_present == frozenset({"rash"})


def _details(value: LldasInput, settings: LldasSettings = DEFAULT_SETTINGS) -> list[str]:
    return [c.detail_en for c in assess(value, settings).criteria]


def test_details_when_every_criterion_is_met():
    assert _details(BASE) == [
        "SLEDAI-2K 4 <= 4, no major organ, haemolytic or GI activity",
        "no new descriptor since the previous assessment; coordinator reports no new activity",
        "PGA 1.0 <= 1",
        "prednisone equivalent 7.5 <= 7.5 mg/day",
        "maintenance immunosuppressants within the maxima and well tolerated",
    ]
    assert _details(replace(BASE, previous_present=None))[1] == \
        "no previous assessment; coordinator reports no new activity"


def test_details_when_every_criterion_fails():
    failing = replace(BASE, sledai_present=frozenset({"seizure", "rash"}), haemolytic_anaemia=True,
                      gi_activity=True, new_activity_by_coordinator=True, pga=D(2), prednisone_mg=D("7.6"),
                      immunosuppressants={"hydroxychloroquine": D(401), "tacrolimus": D(2)},
                      immunosuppressants_tolerated=False)
    assert _details(failing) == [
        "SLEDAI-2K 10 > 4; major organ activity: CNS; haemolytic anaemia; gastrointestinal activity",
        "new since the previous assessment: seizure; coordinator reports new lupus activity",
        "PGA 2 > 1",
        "prednisone equivalent 7.6 > 7.5 mg/day",
        "hydroxychloroquine 401 > 400 mg/day; tacrolimus is not an allowed maintenance drug at this site; "
        "not well tolerated",
    ]


def test_an_allowed_drug_does_not_hide_the_drugs_listed_after_it():
    settings = LldasSettings(cyclophosphamide_allowed=True)
    for allowed in ("cyclophosphamide", "belimumab"):
        value = replace(BASE, immunosuppressants={allowed: D(500), "tacrolimus": D(2)})
        assert assess(value, settings).criteria[4].detail_en == \
            "tacrolimus is not an allowed maintenance drug at this site"


def test_input_errors_name_the_field():
    with pytest.raises(TypeError, match="^pga must be a Decimal or int, not float$"):
        replace(BASE, pga=1.0)
    with pytest.raises(ValueError, match=r"^pga must be between 0 and 3 \(got 4\)$"):
        replace(BASE, pga=D(4))
    with pytest.raises(ValueError, match=r"^prednisone_mg must be a finite number >= 0 \(got -1\)$"):
        replace(BASE, prednisone_mg=D(-1))
    with pytest.raises(ValueError, match=r"^immunosuppressants\['azathioprine'\] must be a finite number >= 0"):
        replace(BASE, immunosuppressants={"azathioprine": D("NaN")})
    with pytest.raises(ValueError, match=r"^maxima\['azathioprine'\] must be a finite number >= 0 \(got -1\)$"):
        LldasSettings(maxima={"azathioprine": D(-1)})


def test_settings_errors_say_what_is_wrong():
    errors: list[str] = []
    assert parse_settings([], errors) == DEFAULT_SETTINGS
    parse_settings({"cyclophosphamide": True, "study_drug_counts": "yes"}, errors)
    assert errors == [
        "lldas: must be a table",
        "lldas.cyclophosphamide: unknown key (allowed: cyclophosphamide_counts, study_drug_counts)",
        "lldas.study_drug_counts: must be true or false",
    ]
