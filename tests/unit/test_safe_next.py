import pytest

from companion.security import safe_next


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
    "evil.example", "", None, "http:/evil.example",
])
def test_off_site_targets_fall_back(target):
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/my/", "/coordinator/participants/3?tab=visits"])
def test_paths_on_the_site_are_kept(target):
    assert safe_next(target, "/home") == target
