"""Input validation: SKUs, quantities, free text without card numbers, e-mail addresses, the cart."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecommerce_core.domain import validation as v
from ecommerce_core.domain.cart import MAX_CART_LINES, Cart
from ecommerce_core.domain.errors import InvalidInput, NotFound
from tests.strategies import carts, quantities, skus

AT = datetime(2026, 1, 1, tzinfo=UTC)


def luhn_complete(body: str) -> str:
    """``body`` followed by the check digit that makes it pass the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # doubled: these digits sit at odd positions once the check digit is added
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


# -- SKUs --------------------------------------------------------------------------------------
@given(skus)
def test_a_valid_sku_is_kept_and_its_lower_case_spelling_is_the_same_sku(code: str) -> None:
    assert v.sku(code) == code
    assert v.sku(f"  {code.lower()} ") == code


@pytest.mark.parametrize(
    "bad",
    [
        "",
        " ",
        "-PX",
        ".PX",
        "_PX",
        "PX 128",
        "PX/128",
        "PX\n128",
        "手机",
        "PX#1",
        "A" * 65,
        None,
        7,
    ],
    ids=repr,
)
def test_a_malformed_sku_is_refused(bad: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        v.sku(bad)
    assert caught.value.details["field"] == "sku"


@pytest.mark.parametrize("bad", ["ord_1\n", "ord 1", "", "x" * 65, "ключ", None])
def test_an_identifier_is_refused_with_a_trailing_newline_or_any_other_stray_character(
    bad: object,
) -> None:
    # `$` in a pattern also matches before a final newline; "k\n" must not pass for a key
    with pytest.raises(InvalidInput):
        v.identifier(bad, "idempotency_key")


@pytest.mark.parametrize("bad", ["phone-x\n", "Phone-x", "-phone", "phone_x", ""])
def test_a_slug_is_refused_with_a_trailing_newline_or_upper_case(bad: str) -> None:
    with pytest.raises(InvalidInput):
        v.slug(bad)


# -- quantities ------------------------------------------------------------------------------
@given(quantities)
def test_a_whole_quantity_from_one_to_the_maximum_is_accepted(n: int) -> None:
    assert v.quantity(n) == n


@pytest.mark.parametrize(
    "bad", [0, -1, v.MAX_QUANTITY + 1, 10**18, 1.0, 2.5, True, False, "1", None, float("nan")]
)
def test_a_quantity_that_is_zero_negative_too_large_or_not_an_int_is_refused(bad: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        v.quantity(bad)
    assert caught.value.code == "invalid_input"
    assert caught.value.details["field"] == "quantity"


# -- free text and card numbers --------------------------------------------------------------
CARDS = ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117"]


@pytest.mark.parametrize("card", CARDS)
@pytest.mark.parametrize("template", ["{}", "call me, card {} thanks", "{} exp 12/29"])
def test_free_text_refuses_a_card_number(card: str, template: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        v.text(template.format(card), "note")
    assert "card" in caught.value.message


@pytest.mark.parametrize(
    "spelled", ["4111 1111 1111 1111", "4111-1111-1111-1111", "3782 822463 10005"]
)
def test_free_text_refuses_a_card_number_with_spaces_or_dashes(spelled: str) -> None:
    assert v.contains_card_number(spelled)
    with pytest.raises(InvalidInput):
        v.text(f"card: {spelled}", "note")


@given(
    st.integers(min_value=12, max_value=18).flatmap(
        lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)
    ),
    st.sampled_from(["", " ", "-"]),
)
def test_any_13_to_19_digit_number_passing_luhn_is_refused(body: str, separator: str) -> None:
    number = luhn_complete(body)
    spelled = separator.join(number[i : i + 4] for i in range(0, len(number), 4))
    with pytest.raises(InvalidInput):
        v.text(f"my number is {spelled}", "note")


@pytest.mark.parametrize(
    "fine",
    [
        "Room 1203, Building 4",
        "+86 138 0013 8000",  # a phone number (13 digits) that fails the Luhn check
        "order 20260101-4XK2",
        "411111111111",  # twelve digits: too short to be a card
        "41111111111111111111",  # twenty digits: a long number, not a card with a digit more
        "SF1411111111111111116",  # a card-valid run inside a longer tracking number
        "4111111111111113",  # 16 digits; neither it nor a 13-15 digit run in it passes Luhn
    ],
)
def test_free_text_keeps_ordinary_numbers(fine: str) -> None:
    assert not v.contains_card_number(fine)
    assert v.text(fine, "note") == fine


def test_free_text_is_nfc_normalised_stripped_and_refuses_control_characters() -> None:
    assert v.text("  Cafe\u0301  ", "name") == "Café"
    for bad in ("bell\x07", "nul\x00", "", "   ", "x" * 201, 5, None):
        with pytest.raises(InvalidInput):
            v.text(bad, "name")
    assert v.text("two\nlines\tok", "note") == "two\nlines\tok"


@given(st.text(min_size=1, max_size=30))
def test_free_text_is_refused_exactly_when_it_holds_a_control_character_but_tab_or_newline(
    raw: str,
) -> None:
    cleaned = unicodedata.normalize("NFC", raw).strip()
    control = any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in cleaned)
    if not cleaned or v.contains_card_number(cleaned):
        return
    if control:
        with pytest.raises(InvalidInput, match="control characters"):
            v.text(raw, "note")
    else:
        assert v.text(raw, "note") == cleaned


@pytest.mark.parametrize("point", [*range(0x20), *range(0x7F, 0xA0)])
def test_every_c0_and_c1_control_but_tab_and_newline_is_refused(point: int) -> None:
    raw = f"a{chr(point)}b"
    if chr(point) in "\n\t":
        assert v.text(raw, "note") == raw
    else:
        with pytest.raises(InvalidInput, match="control characters"):
            v.text(raw, "note")


# -- e-mail addresses ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("li@example.com", "li@example.com"),
        ("  Li.Lei@Example.COM ", "Li.Lei@example.com"),
        ("wang+shop@mail.example.cn", "wang+shop@mail.example.cn"),
        ("用户@例子.广告", "用户@例子.广告"),
    ],
)
def test_an_email_keeps_its_local_part_and_lowercases_its_domain(raw: str, clean: str) -> None:
    assert v.email(raw) == clean


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "li",
        "li@",
        "@example.com",
        "li@example",
        "li@@example.com",
        "li lei@example.com",
        "li@exa mple.com",
        "li@example.c",
        "a" * 65 + "@example.com",
        "li@" + "a" * 250 + ".com",
        None,
        b"li@example.com",
    ],
    ids=repr,
)
def test_a_malformed_email_is_refused(bad: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        v.email(bad)
    assert caught.value.details["field"] == "email"


# -- the cart --------------------------------------------------------------------------------
def _cart() -> Cart:
    return Cart("cart_1", "cus_1", "CNY", AT)


def test_adding_a_sku_already_in_the_cart_raises_its_quantity() -> None:
    cart = _cart().with_item("px-1", 2, AT).with_item("PX-1", 3, AT)
    assert [(line.sku, line.quantity) for line in cart.lines] == [("PX-1", 5)]


def test_the_summed_quantity_of_a_line_is_capped() -> None:
    cart = _cart().with_item("PX-1", v.MAX_QUANTITY, AT)
    with pytest.raises(InvalidInput):
        cart.with_item("PX-1", 1, AT)
    assert cart.quantity_of("PX-1") == v.MAX_QUANTITY


def test_a_cart_holds_a_bounded_number_of_lines() -> None:
    cart = _cart()
    for i in range(MAX_CART_LINES):
        cart = cart.with_item(f"SKU-{i}", 1, AT)
    with pytest.raises(InvalidInput):
        cart.with_item("ONE-MORE", 1, AT)
    assert len(cart.with_item("SKU-0", 1, AT).lines) == MAX_CART_LINES  # raising one is fine


@pytest.mark.parametrize("quantity", [0, -2, True, 1.5, "2"])
def test_cart_changes_refuse_bad_quantities(quantity: object) -> None:
    cart = _cart().with_item("PX-1", 1, AT)
    with pytest.raises(InvalidInput):
        cart.with_item("PX-1", quantity, AT)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        cart.with_quantity("PX-1", quantity, AT)  # type: ignore[arg-type]


def test_changing_or_removing_a_sku_not_in_the_cart_is_not_found() -> None:
    cart = _cart().with_item("PX-1", 1, AT)
    with pytest.raises(NotFound):
        cart.with_quantity("PX-2", 1, AT)
    with pytest.raises(NotFound):
        cart.without("PX-2", AT)


@given(carts(), st.data())
def test_cart_operations_keep_one_line_per_sku(cart: Cart, data: st.DataObject) -> None:
    sku = data.draw(st.sampled_from([line.sku for line in cart.lines]))
    for changed in (
        cart.with_item(sku, 1, AT),
        cart.with_quantity(sku, 3, AT),
        cart.without(sku, AT),
        cart.emptied(AT),
    ):
        codes = [line.sku for line in changed.lines]
        assert len(codes) == len(set(codes))
        assert all(1 <= line.quantity <= v.MAX_QUANTITY for line in changed.lines)
    assert cart.with_quantity(sku, 3, AT).quantity_of(sku) == 3
    assert cart.without(sku, AT).quantity_of(sku) == 0
    assert cart.emptied(AT).lines == ()
