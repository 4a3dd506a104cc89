"""Protocol definitions shipped as data (DOMAIN.md section 1: settings live in the protocol, not in code).

Each ``*.toml`` file in this folder is one protocol; its format is documented in the comments of
``nct04956484.toml``. This module only reads files; the rules are in ``companion.domain.protocol``.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from companion.domain.protocol import Protocol, ProtocolError, parse_protocol

PROTOCOL_DIR = Path(__file__).resolve().parent
DEFAULT_PROTOCOL = "nct04956484"

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def load_protocol_file(path: Path, reading: str | None = None) -> Protocol:
    """Read and validate one protocol file; every error message is prefixed with the file name."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProtocolError([f"{path.name}: cannot read file ({exc.strerror or exc})"]) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProtocolError([f"{path.name}: invalid TOML: {exc}"]) from exc
    try:
        return parse_protocol(data, reading)
    except ProtocolError as exc:
        raise ProtocolError([f"{path.name}: {error}" for error in exc.errors]) from exc


def load_protocol(name: str = DEFAULT_PROTOCOL, reading: str | None = None) -> Protocol:
    """Load ``PROTOCOL_DIR/<name>.toml``; ``reading`` overrides the file's ``reading`` setting."""
    if not _NAME_RE.match(name):
        raise ProtocolError([f"{name!r}: not a protocol name (expected a-z, 0-9, '-' or '_')"])
    return load_protocol_file(PROTOCOL_DIR / f"{name}.toml", reading)


def available_protocols() -> list[str]:
    """Names accepted by ``load_protocol``, sorted."""
    return sorted(path.stem for path in PROTOCOL_DIR.glob("*.toml") if _NAME_RE.match(path.stem))
