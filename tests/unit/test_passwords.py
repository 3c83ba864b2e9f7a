"""The password policy: 8 to 128 characters of any Unicode after NFKC, no common passwords."""

from __future__ import annotations

import unicodedata
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecommerce_core.domain.customers import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    check_password_policy,
    normalize_password,
)
from ecommerce_core.domain.errors import WeakPassword

# letters from many scripts, no control characters: what people actually type
typed = st.characters(categories=["L", "N", "P", "S", "Zs"])


def test_the_bounds_are_those_of_the_promise() -> None:
    assert MIN_PASSWORD_LENGTH == 8
    assert MAX_PASSWORD_LENGTH >= 64


@pytest.mark.parametrize(
    "password",
    [
        "x7#kq2vL",  # exactly eight
        "我的密码很长很安全吗",  # Chinese, ten characters
        "пароль-на-русском",
        "🔑🔒🗝 emoji are characters",
        "correct horse battery staple",
        "q" * MAX_PASSWORD_LENGTH,
    ],
)
def test_any_unicode_of_acceptable_length_is_accepted_without_composition_rules(
    password: str,
) -> None:
    assert check_password_policy(password) == normalize_password(password)


@pytest.mark.parametrize(
    "password", ["", "short", "7chars!", "q" * (MAX_PASSWORD_LENGTH + 1), "q" * 10_000]
)
def test_too_short_or_too_long_is_refused(password: str) -> None:
    with pytest.raises(WeakPassword) as caught:
        check_password_policy(password)
    assert caught.value.code == "weak_password"


@pytest.mark.parametrize(
    "password", ["password", "PASSWORD1", "Password123", "12345678", "p@ssw0rd", "11111111"]
)
def test_a_common_password_is_refused_in_any_case(password: str) -> None:
    with pytest.raises(WeakPassword):
        check_password_policy(password)


def test_a_common_password_in_full_width_letters_is_still_refused() -> None:
    full_width = "ｐａｓｓｗｏｒｄ"  # NFKC folds these to "password"
    assert normalize_password(full_width) == "password"
    with pytest.raises(WeakPassword):
        check_password_policy(full_width)


def test_length_is_counted_after_nfkc() -> None:
    # "ﬁ" is one code point that NFKC turns into two; 4 of them make 8 characters
    assert len(normalize_password("ﬁ" * 4)) == 8
    assert check_password_policy("ﬁ" * 4) == "fi" * 4
    with pytest.raises(WeakPassword):
        check_password_policy("ﬁ" * 65)  # 65 code points, 130 characters once normalised


def test_the_same_password_typed_two_ways_normalises_to_one() -> None:
    composed, decomposed = "Café-au-lait", "Cafe\u0301-au-lait"
    assert composed != decomposed
    assert check_password_policy(composed) == check_password_policy(decomposed)


def test_the_email_address_is_not_a_password() -> None:
    with pytest.raises(WeakPassword):
        check_password_policy("Li.Lei@Example.com", email="li.lei@example.com")


@pytest.mark.parametrize("password", [None, 12345678, b"bytes-password", ["a"] * 8])
def test_a_password_is_text(password: object) -> None:
    with pytest.raises(WeakPassword):
        check_password_policy(password)


COMMON = frozenset(
    line.strip().lower()
    for line in resources.files("ecommerce_core.domain")
    .joinpath("common_passwords.txt")
    .read_text("utf-8")
    .splitlines()
    if line.strip()
)


@given(
    st.text(typed, min_size=1, max_size=MAX_PASSWORD_LENGTH * 2) | st.sampled_from(sorted(COMMON))
)
def test_the_policy_accepts_exactly_what_its_rules_say(password: str) -> None:
    normalized = unicodedata.normalize("NFKC", password)
    acceptable = (
        MIN_PASSWORD_LENGTH <= len(normalized) <= MAX_PASSWORD_LENGTH
        and normalized.lower() not in COMMON
    )
    if acceptable:
        assert check_password_policy(password) == normalized
    else:
        with pytest.raises(WeakPassword):
            check_password_policy(password)
