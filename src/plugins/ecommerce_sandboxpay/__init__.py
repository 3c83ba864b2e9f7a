"""A sandbox payment gateway for ecommerce-core: test cards and signed webhooks.

Test payment methods: ``tok_visa`` (succeeds), ``tok_declined`` (declined), ``tok_pending``
(the outcome arrives later as a signed ``payment.captured`` notification).
"""

from ecommerce_sandboxpay.gateway import SandboxGateway
from ecommerce_sandboxpay.settings import SandboxPaySettings

__all__ = ["SandboxGateway", "SandboxPaySettings"]
