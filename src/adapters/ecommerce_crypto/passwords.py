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
        """True only when the hash is weaker than today's parameters on some axis.

        argon2-cffi's ``check_needs_rehash`` is true for any difference, which would rewrite a
        stronger hash down to the policy on the next login.
        """
        try:
            found = argon2.extract_parameters(password_hash)
        except InvalidHashError:
            return True
        wanted = self._hasher
        return (
            found.type is not argon2.Type.ID
            or found.version < argon2.low_level.ARGON2_VERSION
            or found.memory_cost < wanted.memory_cost
            or found.time_cost < wanted.time_cost
            or found.hash_len < wanted.hash_len
            or found.salt_len < wanted.salt_len
        )
