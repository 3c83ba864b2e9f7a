"""Password hashing with argon2id (argon2-cffi), at or above OWASP's minimum parameters."""

from __future__ import annotations

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["Argon2Hasher"]

# OWASP ASVS / cheat sheet floor: m = 19 MiB, t = 2, p = 1. argon2-cffi's RFC 9106 "low memory"
# profile (m = 64 MiB, t = 3, p = 4) is above it and is what we use by default.
MIN_MEMORY_KIB = 19 * 1024
MIN_TIME_COST = 2


class Argon2Hasher:
    def __init__(self, hasher: argon2.PasswordHasher | None = None) -> None:
        self._hasher = hasher or argon2.PasswordHasher.from_parameters(
            argon2.profiles.RFC_9106_LOW_MEMORY
        )
        params = self._hasher
        if params.memory_cost < MIN_MEMORY_KIB or params.time_cost < MIN_TIME_COST:
            raise ValueError("argon2 parameters below the policy floor (m=19 MiB, t=2)")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
