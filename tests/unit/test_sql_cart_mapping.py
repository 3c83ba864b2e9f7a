"""A cart's row on the SQL adapter (its lines a JSON column): every cart the domain can make comes
back exactly, through the JSON text a database stores; any other form of the lines is refused."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecommerce_core.domain.cart import MAX_CART_LINES, Cart, CartLine
from ecommerce_core.domain.errors import CorruptData
from ecommerce_sqlalchemy import mapping as m
from tests.strategies import carts, quantities, skus


def _through_json(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "lines": json.loads(json.dumps(row["lines"]))}


@given(carts(), st.lists(quantities, max_size=3))
def test_a_cart_comes_back_exactly_through_its_json_lines(cart: Cart, more: list[int]) -> None:
    # quantities up to the domain's maximum, and an emptied cart, round-trip too
    lines = tuple(attrs.evolve(ln, quantity=q) for ln, q in zip(cart.lines, more, strict=False))
    for c in (
        cart,
        attrs.evolve(cart, lines=lines + cart.lines[len(lines) :]),
        cart.emptied(cart.updated_at),
    ):
        assert m.cart_from_row(_through_json(m.cart_to_row(c))) == c


@given(carts(), st.data())
def test_lines_the_domain_would_normalise_are_corrupt_not_fixed(
    cart: Cart, data: st.DataObject
) -> None:
    row = _through_json(m.cart_to_row(cart))
    i = data.draw(st.integers(0, len(row["lines"]) - 1))
    broken = data.draw(
        st.sampled_from(
            [
                {**row["lines"][i], "sku": row["lines"][i]["sku"].lower() + "x"},  # lower case
                {**row["lines"][i], "sku": " " + row["lines"][i]["sku"]},
                {**row["lines"][i], "quantity": 0},
                {**row["lines"][i], "quantity": float(row["lines"][i]["quantity"])},
                {**row["lines"][i], "quantity": str(row["lines"][i]["quantity"])},
                {**row["lines"][i], "note": ""},
                {"sku": row["lines"][i]["sku"]},
                [row["lines"][i]["sku"], row["lines"][i]["quantity"]],
            ]
        )
    )
    lines = [*row["lines"][:i], broken, *row["lines"][i + 1 :]]
    with pytest.raises(CorruptData) as caught:
        m.cart_from_row({**row, "lines": lines})
    assert caught.value.code == "corrupt_data" and cart.id in caught.value.message


@given(carts(), skus)
def test_a_sku_twice_or_too_many_lines_are_corrupt(cart: Cart, sku: str) -> None:
    row = _through_json(m.cart_to_row(cart))
    twice = [*row["lines"], row["lines"][0]]
    with pytest.raises(CorruptData):
        m.cart_from_row({**row, "lines": twice})
    many = [{"sku": f"{sku[:50]}-{i}".upper(), "quantity": 1} for i in range(MAX_CART_LINES + 1)]
    with pytest.raises(CorruptData):
        m.cart_from_row({**row, "lines": many})
    assert m.cart_from_row({**row, "lines": many[:MAX_CART_LINES]}).lines[-1] == CartLine(
        many[MAX_CART_LINES - 1]["sku"], 1
    )
