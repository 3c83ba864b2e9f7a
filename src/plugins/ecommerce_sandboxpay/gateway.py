"""The sandbox gateway: a deterministic simulated provider behind the PaymentGateway port."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime

from ecommerce_core.domain.errors import InvalidSignature
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.payments import GatewayNotification
from ecommerce_core.ports.gateways import GatewayOutcome, GatewayResult, PaymentRequest
from ecommerce_sandboxpay import signing
from ecommerce_sandboxpay.settings import SandboxPaySettings

__all__ = ["TEST_METHODS", "SandboxGateway"]

TEST_METHODS = {
    "tok_visa": GatewayOutcome.SUCCEEDED,
    "tok_mastercard": GatewayOutcome.SUCCEEDED,
    "tok_declined": GatewayOutcome.DECLINED,
    "tok_pending": GatewayOutcome.PENDING,
}


def _ref(prefix: str, key: str) -> str:
    # the same idempotency key always yields the same provider reference, as a real provider's would
    return f"{prefix}_{hashlib.sha256(key.encode()).hexdigest()[:24]}"


class SandboxGateway:
    """Moves no money. Records each call (``calls``) so tests can assert it happened once."""

    name = "sandbox"

    def __init__(self, settings: SandboxPaySettings | None = None) -> None:
        self.settings = settings or SandboxPaySettings()
        self.calls: list[tuple[str, str]] = []
        self._seen: dict[str, GatewayResult] = {}
        # provider reference -> the merchant's payment id, echoed in notifications as real ones do
        self.references: dict[str, str] = {}

    def _once(self, operation: str, key: str, result: GatewayResult) -> GatewayResult:
        if key not in self._seen:
            self.calls.append((operation, key))
            self._seen[key] = result
        return self._seen[key]

    def authorize(self, request: PaymentRequest) -> GatewayResult:
        outcome = TEST_METHODS.get(request.payment_method)
        if outcome is None:
            return GatewayResult(GatewayOutcome.DECLINED, message="unknown test payment method")
        ref = _ref("sbxpay", request.idempotency_key)
        self.references[ref] = request.payment_id
        message = "approved" if outcome is GatewayOutcome.SUCCEEDED else outcome.value
        return self._once(
            "authorize", request.idempotency_key, GatewayResult(outcome, ref, message)
        )

    def capture(self, provider_ref: str, amount: Money, idempotency_key: str) -> GatewayResult:
        return self._once(
            "capture", idempotency_key, GatewayResult(GatewayOutcome.SUCCEEDED, provider_ref)
        )

    def refund(self, provider_ref: str, amount: Money, idempotency_key: str) -> GatewayResult:
        if not provider_ref:
            return GatewayResult(GatewayOutcome.FAILED, message="no such charge")
        return self._once(
            "refund",
            idempotency_key,
            GatewayResult(GatewayOutcome.SUCCEEDED, _ref("sbxref", idempotency_key)),
        )

    def void(self, provider_ref: str, idempotency_key: str) -> GatewayResult:
        return self._once(
            "void", idempotency_key, GatewayResult(GatewayOutcome.SUCCEEDED, provider_ref)
        )

    # -- notifications ----------------------------------------------------------------------
    def build_notification(
        self,
        kind: str,
        provider_ref: str,
        amount: Money | None,
        *,
        event_id: str,
        at: datetime,
        secret: str | None = None,
        payment_id: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """What the provider would POST: headers and the raw body (for tests and the demo).

        ``payment_id`` defaults to the merchant's id sent with the charge of ``provider_ref``.
        """
        body = json.dumps(
            {
                "id": event_id,
                "type": kind,
                "created": int(at.timestamp()),
                "data": {
                    "reference": provider_ref,
                    "payment_id": self.references.get(provider_ref, "")
                    if payment_id is None
                    else payment_id,
                    "amount": amount.amount if amount else None,
                    "currency": amount.currency if amount else None,
                },
            },
            separators=(",", ":"),
            sort_keys=True,
        ).encode()
        return signing.sign(body, secret or self.settings.secret, at), body

    def parse_notification(
        self, headers: Mapping[str, str], body: bytes, now: datetime
    ) -> GatewayNotification:
        secrets = (self.settings.secret, *self.settings.previous_secrets)
        signing.verify(headers, body, secrets, now, self.settings.tolerance_seconds)
        try:
            data = json.loads(body)
            payload = data["data"]
            amount = (
                Money(payload["amount"], payload["currency"])
                if payload.get("amount") is not None
                else None
            )
            return GatewayNotification(
                provider=self.name,
                event_id=str(data["id"]),
                kind=str(data["type"]),
                provider_ref=str(payload["reference"]),
                amount=amount,
                occurred_at=datetime.fromtimestamp(int(data["created"]), UTC),
                payment_id=str(payload.get("payment_id") or ""),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidSignature("the notification body is not one the sandbox sends") from exc
