"""SLEDAI-2K form for the coordinator: descriptors, weights, total and major organ activity (DOMAIN.md section 4).

Descriptors are scored if present at the visit or in the preceding 10 days (a site setting, applied by the
caller when it decides what is "present"); the total is the sum of the weights of the descriptors present,
0-105. The weights are the DOMAIN.md table's, not an online calculator's (vasculitis is 8, not 4). The organ
groups feed LLDAS criterion 1 (DOMAIN.md section 3).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType

VARIANTS = ("SLEDAI-2K", "SELENA-SLEDAI")  # record which variant was scored; DOMAIN.md section 4
# The major organ groups, in the order of the DOMAIN.md table; major_organ_activity reports in this order.
ORGANS = ("CNS", "vasculitis", "renal", "cardiopulmonary", "fever")


@dataclass(frozen=True, slots=True)
class Descriptor:
    """One SLEDAI-2K row: stable key, English and Chinese labels, weight, major organ group (or None)."""

    key: str
    en: str
    zh: str
    weight: int
    organ: str | None


# DOMAIN.md section 4, the table, row by row and in order. Keys are stored with each assessment: never rename.
DESCRIPTORS: tuple[Descriptor, ...] = (
    Descriptor("seizure", "Seizure", "癫痫发作", 8, "CNS"),
    Descriptor("psychosis", "Psychosis", "精神病", 8, "CNS"),
    Descriptor("organic_brain_syndrome", "Organic brain syndrome", "器质性脑病综合征", 8, "CNS"),
    Descriptor("visual_disturbance", "Visual disturbance", "视觉障碍", 8, "CNS"),
    Descriptor("cranial_nerve_disorder", "Cranial nerve disorder", "颅神经病变", 8, "CNS"),
    Descriptor("lupus_headache", "Lupus headache", "狼疮性头痛", 8, "CNS"),
    Descriptor("cerebrovascular_accident", "Cerebrovascular accident", "脑血管意外", 8, "CNS"),
    Descriptor("vasculitis", "Vasculitis", "血管炎", 8, "vasculitis"),
    Descriptor("arthritis", "Arthritis (>2 joints)", "关节炎（>2个关节）", 4, None),
    Descriptor("myositis", "Myositis", "肌炎", 4, None),
    Descriptor("urinary_casts", "Urinary casts", "管型尿", 4, "renal"),
    Descriptor("haematuria", "Haematuria (>5 RBC/hpf)", "血尿（>5个红细胞/高倍视野）", 4, "renal"),
    Descriptor("proteinuria", "Proteinuria (>0.5 g/24 h)", "蛋白尿（>0.5 g/24 h）", 4, "renal"),
    Descriptor("pyuria", "Pyuria (>5 WBC/hpf)", "脓尿（>5个白细胞/高倍视野）", 4, "renal"),
    Descriptor("rash", "Rash", "皮疹", 2, None),
    Descriptor("alopecia", "Alopecia", "脱发", 2, None),
    Descriptor("mucosal_ulcers", "Mucosal ulcers", "黏膜溃疡", 2, None),
    Descriptor("pleurisy", "Pleurisy", "胸膜炎", 2, "cardiopulmonary"),
    Descriptor("pericarditis", "Pericarditis", "心包炎", 2, "cardiopulmonary"),
    Descriptor("low_complement", "Low complement", "低补体", 2, None),
    Descriptor("increased_dna_binding", "Increased DNA binding", "抗dsDNA抗体升高", 2, None),
    Descriptor("fever", "Fever (>38 °C)", "发热（>38 °C）", 1, "fever"),
    Descriptor("thrombocytopenia", "Thrombocytopenia (<100x10^9/L)", "血小板减少（<100×10^9/L）", 1, None),
    Descriptor("leukopenia", "Leukopenia (<3x10^9/L)", "白细胞减少（<3×10^9/L）", 1, None),
)
BY_KEY: Mapping[str, Descriptor] = MappingProxyType({d.key: d for d in DESCRIPTORS})
MAX_SCORE = 105  # every descriptor present; equals sum(d.weight for d in DESCRIPTORS)


def _descriptors(present: Collection[str]) -> list[Descriptor]:
    """The descriptors named in ``present`` (duplicates counted once); ValueError naming unknown keys."""
    if isinstance(present, str):
        raise TypeError("present must be a collection of descriptor keys, not a single string")
    unknown = sorted(set(present) - BY_KEY.keys())
    if unknown:
        raise ValueError(f"unknown SLEDAI-2K descriptors: {', '.join(unknown)}")
    return [d for d in DESCRIPTORS if d.key in present]


def score(present: Collection[str]) -> int:
    """SLEDAI-2K total (0-105): the sum of the weights of the descriptors present (DOMAIN.md section 4).

    Each key counts once. An unknown key raises ValueError naming it; a bare string raises TypeError.
    """
    return sum(d.weight for d in _descriptors(present))


def major_organ_activity(present: Collection[str]) -> tuple[str, ...]:
    """The major organ groups with at least one descriptor present, in ``ORGANS`` order (DOMAIN.md sections 3, 4).

    E.g. {"fever", "proteinuria", "seizure"} -> ("CNS", "renal", "fever"). Unknown keys raise ValueError.
    """
    active = {d.organ for d in _descriptors(present)}
    return tuple(organ for organ in ORGANS if organ in active)
