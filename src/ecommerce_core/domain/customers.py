"""Customer accounts and the password policy (OWASP ASVS: length, not composition rules)."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from importlib import resources

import attrs

from ecommerce_core.domain.errors import WeakPassword
from ecommerce_core.domain.security import Role

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "Customer",
    "check_password_policy",
    "normalize_password",
]

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


@attrs.frozen
class Customer:
    id: str
    email: str
    password_hash: str = attrs.field(repr=False)
    role: Role
    display_name: str
    created_at: datetime


def normalize_password(password: str) -> str:
    """NFKC, so the same password typed on two keyboards is the same password."""
    return unicodedata.normalize("NFKC", password)


_COMMON: frozenset[str] | None = None


def _common_passwords() -> frozenset[str]:
    global _COMMON  # a read-only cache of packaged data, filled once
    if _COMMON is None:
        data = resources.files("ecommerce_core.domain").joinpath("common_passwords.txt")
        _COMMON = frozenset(
            line.strip().lower() for line in data.read_text("utf-8").splitlines() if line.strip()
        )
    return _COMMON


def check_password_policy(password: object, email: str = "") -> str:
    """The normalised password if acceptable, else :class:`WeakPassword` saying why."""
    if not isinstance(password, str):
        raise WeakPassword("a password is text")
    # capped before anything expensive is done with it
    if len(password) > MAX_PASSWORD_LENGTH * 4:
        raise WeakPassword(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    normalized = normalize_password(password)
    if len(normalized) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(normalized) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    lowered = normalized.lower()
    if lowered in _common_passwords():
        raise WeakPassword("that password is too common; choose another")
    if email and lowered == email.lower():
        raise WeakPassword("a password must not be the e-mail address")
    return normalized
