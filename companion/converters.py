"""URL converters. ``int`` is replaced by one bounded to the database's integer range, so that an id such
as 2147483648 is no route at all (404) instead of a query PostgreSQL rejects (500)."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

#: PostgreSQL ``integer`` (the type of every id column): 4 bytes, signed
MAX_ID = 2_147_483_647


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: digits only, 1 to MAX_ID; anything else does not match (404)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def bounded_ids(app: Flask) -> None:
    """Call before any blueprint is registered: rules are compiled with the converter in place then."""
    app.url_map.converters["int"] = IdConverter
