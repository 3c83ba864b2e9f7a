"""Small ports the core needs from the outside world: time, identifiers and password hashing."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

__all__ = ["Clock", "IdGenerator", "PasswordHasher"]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""


class IdGenerator(Protocol):
    def new_id(self, prefix: str) -> str:
        """A new unique identifier such as ``ord_01J9...``."""

    def order_number(self, at: datetime) -> str:
        """A new human-readable order number, unique with overwhelming probability."""


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool:
        """True when ``password`` matches; False (never an exception) otherwise."""

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with parameters below today's policy."""
