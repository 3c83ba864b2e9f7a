"""Standard-library implementations of the clock and id ports, used unless a shop passes its own."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import attrs

__all__ = ["FixedClock", "RandomIds", "SystemClock"]

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@attrs.define
class FixedClock:
    """A clock that moves only when told to: for tests, demos and replays."""

    current: datetime = attrs.field(factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> datetime:
        self.current += delta
        return self.current


class RandomIds:
    """Ids from the operating system's CSPRNG: ``ord_`` + 26 Crockford base-32 characters."""

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{self._code(26)}"

    def order_number(self, at: datetime) -> str:
        # date for people, 40 random bits so that no counter row is shared by every checkout
        return f"{at:%Y%m%d}-{self._code(8)}"

    @staticmethod
    def _code(length: int) -> str:
        # one draw of 5 random bits per character, taken from a single call to the CSPRNG
        number = int.from_bytes(secrets.token_bytes((5 * length + 7) // 8), "big")
        return "".join(_CROCKFORD[(number >> (5 * i)) & 31] for i in range(length))
