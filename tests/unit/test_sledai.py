"""SLEDAI-2K weights, totals and major organ groups (DOMAIN.md section 4); totals worked out by hand."""

from __future__ import annotations

import pytest

from companion.domain.sledai import (
    BY_KEY,
    DESCRIPTORS,
    MAX_SCORE,
    ORGANS,
    VARIANTS,
    major_organ_activity,
    score,
)

# DOMAIN.md section 4, copied row by row: (key, weight, major organ group).
TABLE = [
    ("seizure", 8, "CNS"),
    ("psychosis", 8, "CNS"),
    ("organic_brain_syndrome", 8, "CNS"),
    ("visual_disturbance", 8, "CNS"),
    ("cranial_nerve_disorder", 8, "CNS"),
    ("lupus_headache", 8, "CNS"),
    ("cerebrovascular_accident", 8, "CNS"),
    ("vasculitis", 8, "vasculitis"),
    ("arthritis", 4, None),
    ("myositis", 4, None),
    ("urinary_casts", 4, "renal"),
    ("haematuria", 4, "renal"),
    ("proteinuria", 4, "renal"),
    ("pyuria", 4, "renal"),
    ("rash", 2, None),
    ("alopecia", 2, None),
    ("mucosal_ulcers", 2, None),
    ("pleurisy", 2, "cardiopulmonary"),
    ("pericarditis", 2, "cardiopulmonary"),
    ("low_complement", 2, None),
    ("increased_dna_binding", 2, None),
    ("fever", 1, "fever"),
    ("thrombocytopenia", 1, None),
    ("leukopenia", 1, None),
]


def test_descriptor_table_matches_domain_md():
    assert [(d.key, d.weight, d.organ) for d in DESCRIPTORS] == TABLE
    assert len(DESCRIPTORS) == 24
    for d in DESCRIPTORS:
        assert d.en and d.zh, d.key
        assert BY_KEY[d.key] is d


def test_vasculitis_weighs_8_not_4():
    # Some online calculators score vasculitis as 4 (DOMAIN.md section 4).
    assert score({"vasculitis"}) == 8


def test_max_score():
    # 7 x 8 (CNS) + 8 (vasculitis) + 6 x 4 + 7 x 2 + 3 x 1 = 56 + 8 + 24 + 14 + 3 = 105
    assert MAX_SCORE == 105
    assert score([d.key for d in DESCRIPTORS]) == 105


def test_variants():
    assert VARIANTS == ("SLEDAI-2K", "SELENA-SLEDAI")


@pytest.mark.parametrize(("present", "expected"), [
    (set(), 0),
    ({"vasculitis", "proteinuria", "rash", "low_complement"}, 16),     # 8 + 4 + 2 + 2
    ({"low_complement", "increased_dna_binding"}, 4),                  # 2 + 2: serology only
    ({"arthritis", "rash", "alopecia", "low_complement", "increased_dna_binding"}, 12),  # 4 + 2 + 2 + 2 + 2
    ({"seizure", "pleurisy", "fever", "leukopenia"}, 12),              # 8 + 2 + 1 + 1
    ({"haematuria", "pyuria", "urinary_casts", "thrombocytopenia"}, 13),  # 4 + 4 + 4 + 1
    ({"myositis", "mucosal_ulcers", "pericarditis"}, 8),               # 4 + 2 + 2
    ({"psychosis", "organic_brain_syndrome", "visual_disturbance"}, 24),  # 3 x 8
    (["rash", "rash"], 2),                                             # a descriptor counts once
])
def test_score_by_hand(present, expected):
    assert score(present) == expected


def test_unknown_descriptor_is_named():
    with pytest.raises(ValueError, match="nephritis"):
        score({"rash", "nephritis"})
    with pytest.raises(ValueError, match="nephritis"):
        major_organ_activity({"nephritis"})
    with pytest.raises(TypeError, match="present must be a collection of descriptor keys, not a single string"):
        score("rash")


def test_major_organ_groups_in_fixed_order():
    assert ORGANS == ("CNS", "vasculitis", "renal", "cardiopulmonary", "fever")
    assert major_organ_activity({"fever", "proteinuria", "seizure"}) == ("CNS", "renal", "fever")
    assert major_organ_activity(["pericarditis", "vasculitis"]) == ("vasculitis", "cardiopulmonary")
    assert major_organ_activity({"pleurisy", "pericarditis"}) == ("cardiopulmonary",)  # one group, once


def test_non_organ_descriptors_have_no_major_organ_activity():
    quiet = {"arthritis", "myositis", "rash", "alopecia", "mucosal_ulcers", "low_complement",
             "increased_dna_binding", "thrombocytopenia", "leukopenia"}
    assert major_organ_activity(quiet) == ()
    assert major_organ_activity(set()) == ()


@pytest.mark.parametrize(("key", "organ"), [(k, o) for k, _, o in TABLE if o is not None])
def test_each_organ_descriptor_activates_its_group(key, organ):
    assert major_organ_activity({key}) == (organ,)


def test_input_errors_say_what_is_wrong():
    with pytest.raises(TypeError, match="^present must be a collection of descriptor keys, not a single string$"):
        score("seizure")
    with pytest.raises(ValueError, match="^unknown SLEDAI-2K descriptors: gout, nephritis$"):
        score({"nephritis", "gout", "seizure"})
