"""companion.sms is an adapter only (senders, templates, provider errors, the webhook signature check): it
imports nothing from the use cases (companion.services), the webhook routes, the models or the database, so
services may import it without a cycle. Import statements are read with ast (lazy imports inside functions
included), since importing the package would run companion/__init__.py."""

from __future__ import annotations

import ast
from pathlib import Path

COMPANION = Path(__file__).resolve().parents[2] / "companion"
#: what the adapter must not reach: the use cases, the routes, the persistence
FORBIDDEN = ("companion.services", "companion.webhooks", "companion.models", "companion.db")


def _module_name(path: Path) -> str:
    parts = path.relative_to(COMPANION.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every module name an import in ``path`` can bind: ``from companion import services`` gives both
    ``companion`` and ``companion.services``; relative imports are resolved against the file's package."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _offenders(folder: Path, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        for name in sorted(imported(path)):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(COMPANION)}: {name}")
    return found


def test_the_sms_package_imports_no_use_case_route_model_or_database():
    assert len(list((COMPANION / "sms").glob("*.py"))) >= 4
    assert _offenders(COMPANION / "sms", FORBIDDEN) == []


def test_no_import_cycle_between_sms_and_services():
    services_use_sms = _offenders(COMPANION / "services", ("companion.sms",))
    sms_uses_services = _offenders(COMPANION / "sms", ("companion.services",))
    assert services_use_sms, "the services send SMS through the adapter"  # the one direction allowed
    assert sms_uses_services == []


def test_the_check_catches_absolute_relative_and_lazy_imports(tmp_path, monkeypatch):
    folder = tmp_path / "companion" / "sms"
    folder.mkdir(parents=True)
    (folder / "bad.py").write_text("from companion.services import audit\n"
                                   "from .. import services\n"
                                   "def later():\n    from ..models import Reminder\n    import companion.db\n")
    monkeypatch.setattr(f"{__name__}.COMPANION", tmp_path / "companion")
    assert _offenders(folder, FORBIDDEN) == [
        "sms/bad.py: companion.db", "sms/bad.py: companion.models", "sms/bad.py: companion.models.Reminder",
        "sms/bad.py: companion.services", "sms/bad.py: companion.services.audit",
    ]
