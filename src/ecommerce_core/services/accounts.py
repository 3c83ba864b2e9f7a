"""Account use cases: registration, staff accounts, and logging in."""

from __future__ import annotations

import attrs

from ecommerce_core.domain import events as ev
from ecommerce_core.domain import validation as v
from ecommerce_core.domain.customers import Customer, check_password_policy, normalize_password
from ecommerce_core.domain.errors import AlreadyExists, AuthenticationFailed, NotFound
from ecommerce_core.domain.security import Permission, Principal, Role, require
from ecommerce_core.services.context import ServiceContext

__all__ = ["AccountService"]

# Checked against an unknown e-mail so that a miss costs what a wrong password costs.
_DUMMY_PASSWORD = "not-a-real-password-for-timing"  # noqa: S105


class AccountService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx
        self._dummy_hash: str | None = None

    def register(
        self, principal: Principal, *, email: str, password: str, display_name: str = ""
    ) -> Customer:
        """Create a customer account (by an anonymous visitor, or staff on their behalf)."""
        if not (isinstance(principal, Principal) and principal.can(Permission.ACCOUNT_REGISTER)):
            require(principal, Permission.CUSTOMER_MANAGE)
        return self._create(email, password, display_name, Role.CUSTOMER)

    def create_admin(
        self, principal: Principal, *, email: str, password: str, display_name: str = ""
    ) -> Customer:
        """Create a staff account; only staff (or the system, at set-up) may."""
        require(principal, Permission.CUSTOMER_MANAGE)
        return self._create(email, password, display_name, Role.ADMIN)

    def _create(self, email: str, password: str, display_name: str, role: Role) -> Customer:
        address = v.email(email)
        secret = check_password_policy(password, address)
        name = v.text(display_name or address.split("@")[0], "display_name", max_length=100)
        account = Customer(
            id=self._ctx.ids.new_id("cus"),
            email=address,
            password_hash=self._ctx.hasher.hash(secret),
            role=role,
            display_name=name,
            created_at=self._ctx.clock.now(),
        )
        with self._ctx.uow() as uow:
            if uow.customers.get_by_email(address) is not None:
                raise AlreadyExists("an account with that e-mail address exists", field="email")
            uow.customers.add(account)
            uow.outbox.add(
                [ev.CustomerRegistered(occurred_at=account.created_at, customer_id=account.id)]
            )
            uow.commit()
        return account

    def login(self, email: str, password: str) -> Principal:
        """The principal of the account these credentials open.

        A wrong password and an unknown address give the same error after the same work.
        """
        failure = AuthenticationFailed("the e-mail address or password is wrong")
        if not isinstance(email, str) or not isinstance(password, str) or len(password) > 1024:
            raise failure
        try:
            address = v.email(email)
        except Exception:
            raise failure from None
        with self._ctx.uow() as uow:
            account = uow.customers.get_by_email(address)
        secret = normalize_password(password)
        if account is None:
            self._ctx.hasher.verify(self._dummy(), secret)
            raise failure
        if not self._ctx.hasher.verify(account.password_hash, secret):
            raise failure
        if self._ctx.hasher.needs_rehash(account.password_hash):
            with self._ctx.uow() as uow:
                current = uow.customers.get(account.id)
                if current is not None:
                    uow.customers.update(
                        attrs.evolve(current, password_hash=self._ctx.hasher.hash(secret))
                    )
                    uow.commit()
        return Principal(account.id, account.role)

    def get(self, principal: Principal, customer_id: str) -> Customer:
        """An account: one's own, or any for staff. Another customer's is simply not found."""
        with self._ctx.uow() as uow:
            account = uow.customers.get(customer_id) if isinstance(customer_id, str) else None
        if account is None or not (
            principal.can(Permission.CUSTOMER_MANAGE) or principal.id == account.id
        ):
            raise NotFound("no such account")
        return account

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self._ctx.hasher.hash(_DUMMY_PASSWORD)
        return self._dummy_hash
