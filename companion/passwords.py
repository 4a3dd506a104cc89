"""Staff passwords: Argon2id hashes and the NIST SP 800-63B / ASVS rules (length, not composition)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 1024
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
#: verified against when the account does not exist, so both paths take the same time
DUMMY_HASH = _hasher.hash("not-a-real-password-but-the-same-cost")


@cache
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def password_problems(password: str, email: str = "") -> list[str]:
    """Reasons to refuse a new password (empty when it is acceptable). Unicode and spaces are allowed."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"at least {MIN_LENGTH} characters are needed (15 or more advised)")
    if len(password) > MAX_LENGTH:
        problems.append(f"at most {MAX_LENGTH} characters")
    if password.lower() in common_passwords() or (email and password.lower() == email.lower()):
        problems.append("this password is too common or too easy to guess")
    return problems


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
