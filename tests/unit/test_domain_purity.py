"""companion.domain is pure: its modules import only the standard library and each other
(ARCHITECTURE.md, habit 3). Import statements are read with ast, since importing the package would
run companion/__init__.py and pull in Flask anyway. Relative imports are resolved against the module's
package first, so ``from ..db import now_utc`` is seen as ``companion.db`` and refused."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "companion" / "domain"


def _package(path: Path, root: Path) -> str:
    """The dotted package a module file belongs to (companion/domain/x.py -> companion.domain)."""
    return ".".join(path.resolve().parent.relative_to(root.resolve()).parts)


def _absolute(node: ast.ImportFrom, package: str) -> list[str]:
    """What a ``from`` import names, as absolute module names (one per imported name when it has no module)."""
    if node.level == 0:
        return [node.module or ""]
    parts = package.split(".")
    if node.level > len(parts):
        return ["." * node.level + (node.module or "")]  # above the top package: cannot be the domain
    base = ".".join(parts[: len(parts) - node.level + 1])
    if node.module:
        return [f"{base}.{node.module}"]
    return [f"{base}.{alias.name}" for alias in node.names]


def _imports(source: str, package: str) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names += _absolute(node, package)
    return names


def _offenders(source: str, package: str = "companion.domain") -> list[str]:
    """The imports of a module of ``package`` that are neither the standard library nor companion.domain."""
    allowed = ("companion.domain", "__future__")
    return [name for name in _imports(source, package)
            if not (name in allowed or name.startswith("companion.domain.")
                    or name.split(".")[0] in sys.stdlib_module_names)]


def _scan(domain: Path, root: Path) -> list[str]:
    """Every import leaving the domain, as "module.py: name", over every module under ``domain``."""
    return [f"{path.relative_to(domain)}: {name}" for path in sorted(domain.rglob("*.py"))
            for name in _offenders(path.read_text(encoding="utf-8"), _package(path, root))]


def test_domain_modules_import_only_the_standard_library_and_the_domain():
    assert len(list(DOMAIN.glob("*.py"))) >= 3
    assert _scan(DOMAIN, ROOT) == []


def test_the_check_catches_a_framework_import():
    source = "from flask import request\nimport sqlalchemy.orm\nfrom companion.db import now_utc\n"
    assert _offenders(source) == ["flask", "sqlalchemy.orm", "companion.db"]


@pytest.mark.parametrize(("source", "seen_as"), [
    ("from ..db import now_utc\n", "companion.db"),
    ("from .. import db\n", "companion.db"),
    ("from ..services.diary import save_day\n", "companion.services.diary"),
    ("from ...x import y\n", "...x"),  # above the top package: not the domain either
])
def test_the_check_catches_a_relative_import_that_leaves_the_domain(source, seen_as):
    assert _offenders(source) == [seen_as]


def test_relative_imports_inside_the_domain_pass():
    source = "from . import sledai\nfrom .steroid_table import LLDAS_MAX_MG\nfrom ..domain import phq\n"
    assert _imports(source, "companion.domain") == [
        "companion.domain.sledai", "companion.domain.steroid_table", "companion.domain"]
    assert _offenders(source) == []


def test_a_domain_module_on_disk_with_a_relative_import_out_is_flagged(tmp_path):
    domain = tmp_path / "companion" / "domain"
    domain.mkdir(parents=True)
    (domain / "__init__.py").write_text("", encoding="utf-8")
    (domain / "pure.py").write_text("from datetime import date\nfrom . import pure\n", encoding="utf-8")
    assert _scan(domain, tmp_path) == []
    (domain / "leaky.py").write_text("from datetime import date\nfrom ..db import now_utc\n", encoding="utf-8")
    assert _scan(domain, tmp_path) == ["leaky.py: companion.db"]
