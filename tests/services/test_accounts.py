"""Accounts: login reveals nothing about which part was wrong; weak hashes are upgraded on login."""

from __future__ import annotations

import argon2
import attrs
import pytest

from ecommerce_core import Principal, Role
from ecommerce_core.domain.errors import AuthenticationFailed
from tests.services.harness import refused
from tests.support import PASSWORD, World

POLICY = argon2.Parameters(
    type=argon2.Type.ID,
    version=19,
    salt_len=16,
    hash_len=32,
    time_cost=2,
    memory_cost=19 * 1024,
    parallelism=1,
)


def _stored_hash(world: World, email: str) -> str:
    with world.shop.storage.unit_of_work() as uow:
        account = uow.customers.get_by_email(email)
    assert account is not None
    return account.password_hash


def _replace_hash(world: World, email: str, password_hash: str) -> None:
    """What an older release of the shop would have stored."""
    with world.shop.storage.unit_of_work() as uow:
        account = uow.customers.get_by_email(email)
        assert account is not None
        uow.customers.update(attrs.evolve(account, password_hash=password_hash))
        uow.commit()


def test_login_opens_the_account_whatever_the_case_of_the_address(world: World) -> None:
    principal = world.shop.accounts.login("  LI@Example.COM ", PASSWORD)
    assert principal == world.customer
    assert principal.role is Role.CUSTOMER


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("li@example.com", "not the password"),
        ("li@example.com", PASSWORD.upper()),
        ("nobody@example.com", PASSWORD),
        ("nobody@example.com", "not the password"),
        ("not an address", PASSWORD),
        (None, PASSWORD),
        ("li@example.com", None),
        ("li@example.com", "x" * 5000),
    ],
    ids=[
        "wrong password",
        "wrong case",
        "unknown address",
        "unknown address and wrong password",
        "malformed address",
        "no address",
        "no password",
        "huge password",
    ],
)
def test_every_failed_login_gets_the_same_answer_and_changes_nothing(
    world: World, email: object, password: object
) -> None:
    error = refused(
        world,
        AuthenticationFailed,
        "authentication_failed",
        lambda: world.shop.accounts.login(email, password),  # type: ignore[arg-type]
    )
    reference = refused(
        world,
        AuthenticationFailed,
        "authentication_failed",
        lambda: world.shop.accounts.login("li@example.com", "wrong password"),
    )
    assert error.to_dict() == reference.to_dict()
    assert type(error) is type(reference)


def test_the_same_password_typed_in_another_normal_form_logs_in(world: World) -> None:
    composed = "Caf\u00e9 au lait, s'il vous pla\u00eet"
    world.shop.accounts.register(Principal.anonymous(), email="zoe@example.com", password=composed)
    decomposed = "Cafe\u0301 au lait, s'il vous plai\u0302t"
    assert decomposed != composed
    assert world.shop.accounts.login("zoe@example.com", decomposed).role is Role.CUSTOMER


def test_a_hash_weaker_than_the_policy_is_upgraded_on_login(world: World) -> None:
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    _replace_hash(world, "li@example.com", weak)
    assert world.shop.accounts.login("li@example.com", PASSWORD) == world.customer
    upgraded = _stored_hash(world, "li@example.com")
    assert upgraded != weak
    assert argon2.extract_parameters(upgraded) == POLICY
    assert argon2.PasswordHasher().verify(upgraded, PASSWORD)
    # a hash at the policy is left alone
    world.shop.accounts.login("li@example.com", PASSWORD)
    assert _stored_hash(world, "li@example.com") == upgraded


def test_a_wrong_password_does_not_upgrade_a_weak_hash(world: World) -> None:
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    _replace_hash(world, "li@example.com", weak)
    with pytest.raises(AuthenticationFailed):
        world.shop.accounts.login("li@example.com", "not the password")
    assert _stored_hash(world, "li@example.com") == weak


def test_a_hash_stronger_than_the_policy_is_not_weakened_on_login(world: World) -> None:
    strong = argon2.PasswordHasher(time_cost=3, memory_cost=32 * 1024, parallelism=1).hash(PASSWORD)
    _replace_hash(world, "li@example.com", strong)
    world.shop.accounts.login("li@example.com", PASSWORD)
    assert _stored_hash(world, "li@example.com") == strong
