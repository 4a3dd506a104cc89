"""House rule of the suite: every ``pytest.raises`` names the message it expects (``match=``), so a test
cannot pass because the right exception type was raised for the wrong reason."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent


def _raises_without_match(source: str) -> list[int]:
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "raises"
            and not any(keyword.arg == "match" for keyword in node.keywords)]


def test_the_check_sees_a_raises_without_match():
    source = "with pytest.raises(ValueError):\n    f()\nwith pytest.raises(ValueError, match='x'):\n    f()\n"
    assert _raises_without_match(source) == [1]


def test_every_pytest_raises_in_the_suite_has_a_match():
    missing = [f"{path.relative_to(TESTS.parent)}:{line}" for path in sorted(TESTS.rglob("*.py"))
               for line in _raises_without_match(path.read_text(encoding="utf-8"))]
    assert not missing, f"pytest.raises without match= (pin the expected message): {missing}"
