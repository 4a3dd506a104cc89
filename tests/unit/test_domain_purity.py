"""companion.domain is pure: its modules import only the standard library and each other
(ARCHITECTURE.md, habit 3). Import statements are read with ast, since importing the package would
run companion/__init__.py and pull in Flask anyway."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "companion" / "domain"


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append("." * node.level + (node.module or ""))
    return names


def test_domain_modules_import_only_the_standard_library_and_the_domain():
    modules = sorted(DOMAIN.glob("*.py"))
    assert len(modules) >= 3
    offenders = []
    for path in modules:
        for name in _imports(path):
            top = name.split(".")[0]
            if name.startswith("."):
                continue
            if name.startswith("companion.domain") or top in sys.stdlib_module_names or top == "__future__":
                continue
            offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_the_check_catches_a_framework_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from flask import request\nimport sqlalchemy.orm\nfrom companion.db import now_utc\n")
    assert _imports(bad) == ["flask", "sqlalchemy.orm", "companion.db"]
