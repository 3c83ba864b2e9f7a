"""Security primitives for ecommerce-core from well-kept libraries: argon2id password hashing."""

from ecommerce_crypto.passwords import Argon2Hasher

__all__ = ["Argon2Hasher"]
