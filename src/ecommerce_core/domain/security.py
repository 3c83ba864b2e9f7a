"""Who is acting (the principal), what each role may do, and the check every use case makes.

The default is deny: a permission no role grants is refused to everyone but the system principal.
"""

from __future__ import annotations

from enum import StrEnum

import attrs

from ecommerce_core.domain.errors import PermissionDenied

__all__ = ["ROLE_PERMISSIONS", "Permission", "Principal", "Role", "require"]


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    CUSTOMER = "customer"
    ADMIN = "admin"
    SYSTEM = "system"


class Permission(StrEnum):
    CATALOG_READ = "catalog:read"
    CATALOG_WRITE = "catalog:write"
    CART_USE = "cart:use"
    ORDER_PLACE = "order:place"
    ORDER_READ_OWN = "order:read_own"
    ORDER_CANCEL_OWN = "order:cancel_own"
    ORDER_READ_ANY = "order:read_any"
    ORDER_MANAGE = "order:manage"
    PAYMENT_PAY_OWN = "payment:pay_own"
    PAYMENT_REFUND = "payment:refund"
    SHIPPING_MANAGE = "shipping:manage"
    SHIPPING_TRACK_OWN = "shipping:track_own"
    INVENTORY_READ = "inventory:read"
    INVENTORY_WRITE = "inventory:write"
    PROMOTION_WRITE = "promotion:write"
    COUPON_CLAIM = "coupon:claim"
    CUSTOMER_MANAGE = "customer:manage"
    ACCOUNT_REGISTER = "account:register"
    EVENTS_RELAY = "events:relay"
    BACKUP = "shop:backup"
    AFTERSALES_REQUEST_OWN = "aftersales:request_own"
    AFTERSALES_MANAGE = "aftersales:manage"
    COMPLAINT_OWN = "complaint:own"


_CUSTOMER = frozenset(
    {
        Permission.CATALOG_READ,
        Permission.CART_USE,
        Permission.ORDER_PLACE,
        Permission.ORDER_READ_OWN,
        Permission.ORDER_CANCEL_OWN,
        Permission.PAYMENT_PAY_OWN,
        Permission.SHIPPING_TRACK_OWN,
        Permission.COUPON_CLAIM,
        Permission.AFTERSALES_REQUEST_OWN,
        Permission.COMPLAINT_OWN,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ANONYMOUS: frozenset({Permission.CATALOG_READ, Permission.ACCOUNT_REGISTER}),
    Role.CUSTOMER: _CUSTOMER,
    Role.ADMIN: frozenset(Permission) - {Permission.ACCOUNT_REGISTER},
    Role.SYSTEM: frozenset(Permission),
}


@attrs.frozen
class Principal:
    """The actor of a service call: a customer, an admin, an anonymous visitor or the system itself.

    The embedding application builds it after authenticating the request (for example from
    :meth:`ecommerce_core.services.accounts.AccountService.login`); the core checks it on every call.
    """

    id: str | None
    role: Role = attrs.field(converter=Role)

    @classmethod
    def anonymous(cls) -> Principal:
        return cls(None, Role.ANONYMOUS)

    @classmethod
    def system(cls) -> Principal:
        """The shop itself (workers, the CLI's own set-up): every permission."""
        return cls("system", Role.SYSTEM)

    @classmethod
    def customer(cls, customer_id: str) -> Principal:
        return cls(customer_id, Role.CUSTOMER)

    @classmethod
    def admin(cls, admin_id: str) -> Principal:
        return cls(admin_id, Role.ADMIN)

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS.get(self.role, frozenset())

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.ADMIN, Role.SYSTEM)


def require(principal: object, permission: Permission) -> Principal:
    """Return ``principal`` if it may ``permission``; raise :class:`PermissionDenied` otherwise."""
    if not isinstance(principal, Principal):
        raise PermissionDenied("every call needs the acting principal", permission=permission)
    if not principal.can(permission):
        raise PermissionDenied(
            "you are not allowed to do that", permission=str(permission), role=str(principal.role)
        )
    return principal
