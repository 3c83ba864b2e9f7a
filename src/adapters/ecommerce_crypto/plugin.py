"""Registers the argon2id password hasher."""

from __future__ import annotations

from ecommerce_core.hookspecs import hookimpl
from ecommerce_core.plugins import Registry
from ecommerce_crypto.passwords import Argon2Hasher


@hookimpl
def ecommerce_core_register_security(registry: Registry) -> None:
    registry.add_password_hasher(
        "argon2", Argon2Hasher, description="argon2id, RFC 9106 low-memory profile"
    )
