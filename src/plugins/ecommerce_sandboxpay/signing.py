"""The sandbox's webhook signature: ``Sandbox-Signature: t=<unix time>,v1=<hex HMAC-SHA256>``.

The HMAC is taken over ``"<t>." + raw body`` (the scheme Stripe publishes), compared in constant
time, against every secret in rotation; a timestamp outside the tolerance, in either direction,
is refused.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime

from ecommerce_core.domain.errors import InvalidSignature

__all__ = ["HEADER", "sign", "verify"]

HEADER = "Sandbox-Signature"


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(body: bytes, secret: str, at: datetime) -> dict[str, str]:
    """The headers a provider sends with ``body`` at ``at``."""
    timestamp = int(at.timestamp())
    return {HEADER: f"t={timestamp},v1={_mac(secret, timestamp, body)}"}


def _header(headers: Mapping[str, str]) -> str:
    if not isinstance(headers, Mapping):
        raise InvalidSignature("the notification is not signed")
    for name, value in headers.items():
        if isinstance(name, str) and name.lower() == HEADER.lower():
            if not isinstance(value, str):
                raise InvalidSignature("the signature header is malformed")
            return value
    raise InvalidSignature("the notification is not signed")


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secrets: Sequence[str],
    now: datetime,
    tolerance_seconds: int = 300,
) -> int:
    """The signed timestamp if ``body`` was signed by one of ``secrets``; InvalidSignature else."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in _header(headers).split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise InvalidSignature("the signature header is malformed")
    if abs(now.timestamp() - timestamp) > tolerance_seconds:
        raise InvalidSignature("the notification's timestamp is outside the tolerance")
    valid = False
    for secret in secrets:
        expected = _mac(secret, timestamp, body)
        for candidate in candidates:
            # evaluate every comparison: no early exit that would time which secret matched
            valid |= hmac.compare_digest(expected, candidate)
    if not valid:
        raise InvalidSignature("the notification's signature does not verify")
    return timestamp
