"""SMS length: how many segments a text costs (DOMAIN.md section 7).

A text made only of GSM 03.38 characters is sent as GSM-7: 160 characters in one segment, 153 per part
when split; characters of the extension table (``{}[]~^|\\€`` and form feed) count twice. Any other
character (Chinese, for one) makes the whole text UCS-2: 70 UTF-16 code units in one segment, 67 per part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")


@dataclass(frozen=True, slots=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int  # segments the text is billed and delivered as


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def count_segments(text: str) -> Segments:
    """Segments of ``text``: 160/153 for GSM-7, 70/67 for UCS-2; an empty text is one segment."""
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "UCS-2"
    count = 1 if units <= single else math.ceil(units / part)
    return Segments(encoding=encoding, units=units, count=count)
