"""companion.domain type-checks clean under mypy --strict (issue 9, point 10): the settings are the
[tool.mypy] table of pyproject.toml, so this test, CI and a developer's plain ``mypy`` agree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _mypy(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_the_domain_has_no_mypy_errors(tmp_path):
    result = _mypy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
    assert f"in {len(list((ROOT / 'companion' / 'domain').glob('*.py')))} source files" in result.stdout


def test_the_check_fails_on_a_type_error(tmp_path):
    domain = tmp_path / "domain"
    domain.mkdir()
    bad = domain / "bad.py"
    bad.write_text("def days(n: int) -> int:\n    return str(n)\n\n\ndef untyped(x):\n    return x\n",
                   encoding="utf-8")
    result = _mypy(tmp_path, "--config-file", str(ROOT / "pyproject.toml"), str(bad))
    assert result.returncode == 1
    assert 'Incompatible return value type (got "str", expected "int")' in result.stdout
    assert "Function is missing a type annotation" in result.stdout  # strict is on
