"""The MongoDB adapter's parts that need no server, run everywhere: every aggregate round-trips
domain -> document -> (BSON bytes, pymongo's codec ->) domain exactly; a document edited by hand
into a state the domain refuses, or into a form this library never writes, is CorruptData naming
it; the decision to refuse a standalone server; driver errors as the library's own; the plugin
needs no pymongo; the session's lock wait and commit retries, driven through a recording stand-in
for pymongo's ClientSession (it stores nothing and is no database).

What needs a server (transactions, locks, indexes, the queries) is the contract suite's ``mongo``
leg and the race test's, which run only when ECOMMERCE_TEST_MONGODB_URL is set.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecommerce_core import Money
from ecommerce_core.domain import events as ev
from ecommerce_core.domain.cart import Cart, CartLine
from ecommerce_core.domain.catalog import Category, Product, Variant
from ecommerce_core.domain.customers import Customer
from ecommerce_core.domain.errors import (
    AlreadyExists,
    Contention,
    CorruptData,
    StorageError,
    StorageUnavailable,
)
from ecommerce_core.domain.inventory import (
    Reservation,
    ReservationLine,
    ReservationStatus,
    StockLevel,
    Warehouse,
)
from ecommerce_core.domain.money import CURRENCY_EXPONENTS
from ecommerce_core.domain.orders import (
    Address,
    FulfilmentStatus,
    Order,
    OrderLine,
    OrderStatus,
    PaymentState,
    StatusChange,
)
from ecommerce_core.domain.payments import (
    Payment,
    PaymentStatus,
    Refund,
    RefundLine,
    RefundStatus,
)
from ecommerce_core.domain.pricing import (
    Benefit,
    Condition,
    Coupon,
    CouponClaim,
    CouponCode,
    CouponKind,
    Promotion,
    Scope,
    StackingPolicy,
)
from ecommerce_core.domain.security import Role
from ecommerce_core.domain.shipping import Shipment, ShipmentLine, TrackingEvent, TrackingStatus
from ecommerce_core.domain.stock_ledger import LedgerEntry, MovementKind
from ecommerce_mongo import mapping as m
from ecommerce_mongo import schema
from ecommerce_mongo.topology import deployment_kind, uses_transactions
from tests.contract import builders as b
from tests.strategies import skus, small_quantities

# -- strategies ------------------------------------------------------------------------------
ids = st.from_regex(r"[A-Za-z0-9_.:-]{1,24}", fullmatch=True)
currencies = st.sampled_from(sorted(CURRENCY_EXPONENTS))
amounts = st.integers(min_value=0, max_value=10**12)
# letters, spaces, punctuation and CJK: what a name holds (no digits, so never a card number)
names = st.text(
    alphabet=st.characters(categories=["L", "Zs", "Po"], exclude_characters="\x85\xa0"),
    min_size=1,
    max_size=30,
).filter(lambda t: t.strip())
any_text = st.text(max_size=40)
zones = st.sampled_from(
    [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-9, minutes=-30))]
)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=zones
)
locales = st.sampled_from(["en", "zh", "zh-CN", "fr", "pt-BR"])
localized = st.dictionaries(locales, names, min_size=1, max_size=3)


@st.composite
def categories(draw: st.DrawFn) -> Category:
    return Category(
        draw(ids),
        "cat-" + draw(st.from_regex(r"[a-z0-9-]{0,20}", fullmatch=True)),
        draw(localized),
        draw(st.none() | ids),
    )


@st.composite
def products(draw: st.DrawFn) -> Product:
    currency = draw(currencies)
    codes = draw(st.lists(skus, min_size=1, max_size=4, unique_by=str.upper))
    variants = tuple(
        Variant(
            sku,
            Money(draw(amounts), currency),
            draw(st.dictionaries(names, names, max_size=3)),
            draw(st.integers(0, 50_000)),
        )
        for sku in codes
    )
    return Product(
        id=draw(ids),
        slug=draw(st.from_regex(r"[a-z0-9][a-z0-9-]{0,30}", fullmatch=True)),
        names=draw(localized),
        category_id=draw(ids),
        variants=variants,
        brand=draw(st.just("") | names),
        description=draw(st.just("") | names),
        active=draw(st.booleans()),
    )


customers = st.builds(
    Customer,
    id=ids,
    email=any_text,
    password_hash=any_text,
    role=st.sampled_from(Role),
    display_name=any_text,
    created_at=moments,
)
carts = st.builds(
    Cart,
    id=ids,
    customer_id=ids,
    currency=currencies,
    updated_at=moments,
    lines=st.lists(st.builds(CartLine, skus, small_quantities), max_size=5).map(tuple),
)
warehouses = st.builds(Warehouse, ids, names, st.integers(-1000, 1000))


@st.composite
def stock_levels(draw: st.DrawFn) -> StockLevel:
    on_hand = draw(st.integers(0, 10**6))
    return StockLevel(draw(skus), draw(ids), on_hand, draw(st.integers(0, on_hand)))


reservations = st.builds(
    Reservation,
    id=ids,
    order_id=ids,
    lines=st.lists(st.builds(ReservationLine, skus, ids, small_quantities), max_size=4).map(tuple),
    created_at=moments,
    expires_at=moments,
    status=st.sampled_from(ReservationStatus),
)
addresses = st.builds(
    Address, any_text, any_text, any_text, any_text, any_text, any_text, any_text, any_text
)


@st.composite
def orders(draw: st.DrawFn) -> Order:
    cur = draw(currencies)
    money = st.builds(Money, amounts, st.just(cur))
    line = st.builds(
        OrderLine,
        skus,
        ids,
        any_text,
        small_quantities,
        money,
        money,
        money,
        st.none() | money,
        st.booleans(),
    )
    # a plugin's state is a plain string, and comes back as one
    statuses = st.sampled_from(OrderStatus) | st.sampled_from(["risk_review", "b2b_approval"])
    change = st.builds(StatusChange, statuses, moments, any_text, any_text, any_text, st.booleans())
    return Order(
        id=draw(ids),
        number=draw(ids),
        customer_id=draw(ids),
        currency=cur,
        lines=tuple(draw(st.lists(line, min_size=1, max_size=4))),
        subtotal=draw(money),
        discount=draw(money),
        shipping=draw(money),
        tax=draw(money),
        total=draw(money),
        status=draw(statuses),
        placed_at=draw(moments),
        updated_at=draw(moments),
        reservation_id=draw(st.none() | ids),
        idempotency_key=draw(st.none() | ids),
        shipping_address=draw(st.none() | addresses),
        history=tuple(draw(st.lists(change, max_size=5))),
        payment_status=draw(st.sampled_from(PaymentState)),
        fulfilment_status=draw(st.sampled_from(FulfilmentStatus)),
        coupon_codes=tuple(draw(st.lists(ids, max_size=3))),
    )


@st.composite
def payments(draw: st.DrawFn) -> Payment:
    cur = draw(currencies)
    money = st.builds(Money, amounts, st.just(cur))
    refund_line = st.builds(RefundLine, st.integers(0, 50), skus, small_quantities, money)
    refund = st.builds(
        Refund,
        ids,
        money,
        st.sampled_from(RefundStatus),
        moments,
        ids,
        any_text,
        any_text,
        st.lists(refund_line, max_size=3).map(tuple),
        st.none() | money,
    )
    return Payment(
        id=draw(ids),
        order_id=draw(ids),
        customer_id=draw(ids),
        gateway=draw(ids),
        amount=draw(money),
        status=draw(st.sampled_from(PaymentStatus)),
        created_at=draw(moments),
        updated_at=draw(moments),
        idempotency_key=draw(ids),
        provider_ref=draw(any_text),
        captured=draw(st.none() | money),
        refunds=tuple(draw(st.lists(refund, max_size=3))),
        failure=draw(any_text),
    )


shipments = st.builds(
    Shipment,
    id=ids,
    order_id=ids,
    carrier=ids,
    tracking_number=any_text,
    created_at=moments,
    events=st.lists(
        st.builds(TrackingEvent, moments, st.sampled_from(TrackingStatus), any_text, any_text),
        max_size=4,
    ).map(tuple),
    lines=st.lists(st.builds(ShipmentLine, skus, ids, small_quantities), max_size=3).map(tuple),
)


rule_params = st.dictionaries(
    st.sampled_from(["percent", "amount", "count", "skus", "currency"]),
    st.one_of(
        any_text,
        st.integers(-(10**9), 10**9),
        st.lists(any_text, max_size=2),
        st.fixed_dictionaries({"amount": amounts, "currency": currencies}),
    ),
    max_size=3,
)
benefits = st.builds(Benefit, st.sampled_from(["percent_off", "amount_off", "gift"]), rule_params)
conditions = st.recursive(
    st.builds(Condition, st.sampled_from(["min_subtotal", "min_quantity"]), rule_params),
    lambda children: st.builds(
        Condition,
        st.sampled_from(["all", "any", "not"]),
        st.just({}),
        st.lists(children, min_size=1, max_size=2).map(tuple),
    ),
    max_leaves=4,
)
scopes = st.builds(
    Scope,
    skus=st.frozensets(skus, max_size=2),
    product_ids=st.frozensets(ids, max_size=2),
    category_ids=st.frozensets(ids, max_size=2),
    brands=st.frozensets(names, max_size=2),
    exclude_skus=st.frozensets(skus, max_size=2),
    exclude_on_sale=st.booleans(),
)
stackings = st.builds(
    StackingPolicy,
    group=st.just("") | ids,
    exclusive=st.booleans(),
    stackable=st.booleans(),
    combinable_with=st.none() | st.frozensets(ids, max_size=2),
    priority=st.integers(-1000, 1000),
)


@st.composite
def promotions(draw: st.DrawFn) -> Promotion:
    starts = draw(st.none() | moments)
    ends = draw(st.none() | st.timedeltas(timedelta(seconds=1), timedelta(days=400)))
    benefit = draw(st.none() | benefits)
    caps = st.none() | st.builds(Money, amounts, currencies)
    return Promotion(
        id=draw(ids),
        name=draw(names),
        # the walking skeleton's percentage shorthand, or a benefit: exactly one of the two
        percent=draw(st.decimals(0, 100, places=draw(st.integers(0, 3))))
        if benefit is None
        else None,
        category_ids=draw(st.frozensets(ids, max_size=3)),
        skus=draw(st.frozensets(skus, max_size=3)),
        starts_at=starts,
        ends_at=None if starts is None or ends is None else starts + ends,
        active=draw(st.booleans()),
        benefit=benefit,
        condition=draw(st.none() | conditions),
        scope=draw(scopes),
        stacking=draw(stackings),
        max_discount=draw(caps),
        usage_limit=draw(st.none() | st.integers(0, 10**6)),
        budget=draw(caps),
        used=draw(st.integers(0, 10**6)),
        discount_given=draw(amounts),
    )


@st.composite
def coupons(draw: st.DrawFn) -> Coupon:
    kind = draw(st.sampled_from(CouponKind))
    scope = draw(scopes)
    if kind is CouponKind.CATEGORY:  # a category coupon names its categories
        scope = attrs.evolve(scope, category_ids=draw(st.frozensets(ids, min_size=1, max_size=2)))
    if kind is CouponKind.MERCHANT:  # and a merchant coupon its merchant
        scope = attrs.evolve(scope, merchant_ids=draw(st.frozensets(ids, min_size=1, max_size=2)))
    starts = draw(st.none() | moments)
    ends = draw(st.none() | st.timedeltas(timedelta(seconds=1), timedelta(days=400)))
    limits = st.none() | st.integers(0, 10**6)
    return Coupon(
        id=draw(ids),
        name=draw(names),
        kind=kind,
        benefit=draw(benefits),
        scope=scope,
        min_spend=draw(st.none() | st.builds(Money, amounts, currencies)),
        condition=draw(st.none() | conditions),
        starts_at=starts,
        ends_at=None if starts is None or ends is None else starts + ends,
        active=draw(st.booleans()),
        usage_limit=draw(limits),
        per_customer_limit=draw(limits),
        requires_claim=draw(st.booleans()),
        stacking=draw(stackings),
        used=draw(st.integers(0, 10**6)),
    )


coupon_codes = st.from_regex(r"[A-Z0-9][A-Z0-9-]{2,31}", fullmatch=True)
codes = st.builds(CouponCode, coupon_codes, ids, st.none() | ids, st.booleans())
claims = st.builds(
    CouponClaim,
    ids,
    ids,
    coupon_codes,
    st.integers(0, 10**6),
    st.booleans(),
    st.none() | moments,
)

events = st.one_of(
    st.builds(
        ev.OrderPlaced,
        occurred_at=moments,
        order_id=ids,
        number=ids,
        customer_id=ids,
        total=amounts,
        currency=currencies,
    ),
    st.builds(
        ev.StockReserved,
        occurred_at=moments,
        reservation_id=ids,
        order_id=ids,
        lines=st.lists(st.tuples(skus, ids, small_quantities), max_size=3).map(tuple),
    ),
    st.builds(ev.OrderCancelled, occurred_at=moments, order_id=ids, reason=any_text),
    st.builds(
        ev.PaymentRefunded,
        occurred_at=moments,
        payment_id=ids,
        order_id=ids,
        refund_id=ids,
        amount=amounts,
        currency=currencies,
    ),
)

ROUND_TRIPS: list[tuple[str, Any, Any, Any]] = [
    ("category", categories(), m.category_to_doc, m.category_from_doc),
    ("product", products(), m.product_to_doc, m.product_from_doc),
    ("customer", customers, m.customer_to_doc, m.customer_from_doc),
    ("cart", carts, m.cart_to_doc, m.cart_from_doc),
    ("warehouse", warehouses, m.warehouse_to_doc, m.warehouse_from_doc),
    ("stock level", stock_levels(), m.stock_to_doc, m.stock_from_doc),
    ("reservation", reservations, m.reservation_to_doc, m.reservation_from_doc),
    ("order", orders(), m.order_to_doc, m.order_from_doc),
    ("payment", payments(), m.payment_to_doc, m.payment_from_doc),
    ("shipment", shipments, m.shipment_to_doc, m.shipment_from_doc),
    ("promotion", promotions(), m.promotion_to_doc, m.promotion_from_doc),
    ("coupon", coupons(), m.coupon_to_doc, m.coupon_from_doc),
    ("coupon code", codes, m.code_to_doc, m.code_from_doc),
    ("coupon claim", claims, m.claim_to_doc, m.claim_from_doc),
]


def _through_bson(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as the server would hand it back: BSON bytes and back, with pymongo's codec."""
    bson = pytest.importorskip("bson")
    decoded: dict[str, Any] = bson.decode(bson.encode(doc))
    return decoded


# -- round trips -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("strategy", "to_doc", "from_doc"),
    [pytest.param(s, t, f, id=name) for name, s, t, f in ROUND_TRIPS],
)
def test_every_aggregate_comes_back_exactly_as_stored(
    strategy: Any, to_doc: Any, from_doc: Any
) -> None:
    @given(strategy)
    def round_trip(original: Any) -> None:
        doc = to_doc(original)
        back = from_doc(_through_bson(doc))
        assert back == original
        assert to_doc(back) == doc  # and stored again, the same document

    round_trip()


@given(st.integers(1, 2**62), events)
def test_an_outbox_event_comes_back_with_its_id(event_id: int, event: ev.DomainEvent) -> None:
    assert m.event_from_doc(_through_bson(m.event_to_doc(event_id, event))) == (event_id, event)


@given(
    st.builds(
        LedgerEntry,
        skus,
        ids,
        st.sampled_from(MovementKind),
        st.integers(-(2**31), 2**31 - 1),
        st.integers(-(2**31), 2**31 - 1),
        ids,
        st.just("") | names.map(str.strip),
        st.just("") | ids,
        st.just("") | ids,
        moments,
        st.integers(1, 2**62),
    )
)
def test_a_stock_ledger_entry_comes_back_exactly_as_stored(entry: LedgerEntry) -> None:
    pytest.importorskip("pymongo")
    from ecommerce_mongo.stock_ledger import entry_from_doc, entry_to_doc

    doc = entry_to_doc(entry)
    assert entry_from_doc(_through_bson(doc)) == entry
    assert doc["_id"] == entry.id


def test_the_contract_builders_round_trip_through_bson() -> None:
    for obj, to_doc, from_doc in [
        (b.category(), m.category_to_doc, m.category_from_doc),
        (b.product(), m.product_to_doc, m.product_from_doc),
        (b.customer(), m.customer_to_doc, m.customer_from_doc),
        (b.cart(), m.cart_to_doc, m.cart_from_doc),
        (b.stock(), m.stock_to_doc, m.stock_from_doc),
        (b.reservation(), m.reservation_to_doc, m.reservation_from_doc),
        (b.order(), m.order_to_doc, m.order_from_doc),
        (b.payment(), m.payment_to_doc, m.payment_from_doc),
    ]:
        assert from_doc(_through_bson(to_doc(obj))) == obj


def test_the_pricing_contracts_promotions_and_coupons_round_trip_through_bson() -> None:
    from tests.contract import test_pricing_storage as pricing

    claim = CouponClaim("cpn_1", "cus_1", "SAVE10", 0, True, b.T0)
    code = CouponCode("ONE-A2B3", "cpn_1", "cus_2", personal=True)
    for obj, to_doc, from_doc in [
        (pricing.FULL_REDUCTION, m.promotion_to_doc, m.promotion_from_doc),
        (pricing.PERCENT, m.promotion_to_doc, m.promotion_from_doc),
        (pricing.COUPON, m.coupon_to_doc, m.coupon_from_doc),
        (code, m.code_to_doc, m.code_from_doc),
        (claim, m.claim_to_doc, m.claim_from_doc),
    ]:
        assert from_doc(_through_bson(to_doc(obj))) == obj


def test_a_wallet_row_read_back_with_the_servers_id_is_named_by_coupon_and_customer() -> None:
    doc = {"_id": object(), **m.claim_to_doc(CouponClaim("cpn_1", "cus_1", "SAVE10"))}
    assert m.claim_from_doc(doc) == CouponClaim("cpn_1", "cus_1", "SAVE10")
    with pytest.raises(CorruptData) as caught:
        m.claim_from_doc({**doc, "used": "1"})
    assert "cpn_1" in caught.value.message and "cus_1" in caught.value.message


@given(moments, moments)
def test_stored_times_sort_as_the_instants_they_name(a: datetime, z: datetime) -> None:
    # orders are listed newest first and holds expire by comparing the stored text
    assert (m.time_to_text(a) < m.time_to_text(z)) == (a < z)
    assert m.time_from_text(m.time_to_text(a)) == a


def test_times_keep_the_microsecond_that_a_bson_date_would_lose() -> None:
    stored = m.order_to_doc(b.order())
    assert stored["placed_at"] == "2026-03-01T08:30:15.123456Z"
    assert m.order_from_doc(stored).placed_at.microsecond == 123456


def test_variant_attributes_whose_names_mongodb_would_misread_are_kept_as_pairs() -> None:
    odd = Variant("PX-1", Money(1, "CNY"), {"size.cm": "12", "$mode": "x"})
    product = Product("prd_1", "phone", {"en": "Phone"}, "cat_1", (odd,))
    doc = m.product_to_doc(product)
    assert doc["variants"][0]["attributes"] == [["$mode", "x"], ["size.cm", "12"]]
    assert m.product_from_doc(_through_bson(doc)) == product


# -- what cannot be stored -------------------------------------------------------------------
def test_a_naive_time_is_refused_rather_than_guessed() -> None:
    with pytest.raises(StorageError):
        m.customer_to_doc(
            Customer("cus_1", "a@b.cn", "h", Role.CUSTOMER, "A", datetime(2026, 1, 1))
        )


def test_an_amount_in_another_currency_than_its_order_is_refused() -> None:
    # one currency is stored per order: a mixed one could not come back as it was
    with pytest.raises(StorageError):
        m.order_to_doc(attrs.evolve(b.order(), tax=Money(1, "USD")))


# -- documents edited by hand --------------------------------------------------------------
def _edited(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    edited = copy.deepcopy(doc)
    *parents, last = path.split(".")
    target: Any = edited
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return edited


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("status", "Tele ported!"),  # not a state name at all (plugins may add new ones)
        ("currency", "XXX"),  # no such currency
        ("currency", "cny"),  # not the form this library writes (it would be read as CNY)
        ("total", "719820"),  # a number as text
        ("total", 719820.0),  # a float: money is whole minor units
        ("total", True),  # a boolean is not a number
        ("placed_at", "2026-03-01"),  # not a stored time
        ("lines", _DELETE),  # a part missing
        ("lines.0.quantity", None),
        ("shipping_address.country", 86),
        ("history.0.status", "lost status"),
    ],
)
def test_an_order_edited_into_an_illegal_state_is_reported_naming_it(path: str, value: Any) -> None:
    doc = _edited(m.order_to_doc(b.order()), path, value)
    with pytest.raises(CorruptData) as caught:
        m.order_from_doc(doc)
    assert caught.value.code == "corrupt_data"
    assert "ord_1" in caught.value.message


def _case(name: str, read: Any, doc: dict[str, Any], named: str) -> Any:
    return pytest.param(read, doc, named, id=name)


def _stock(sku: str, on_hand: int, reserved: int) -> dict[str, Any]:
    return {"sku": sku, "warehouse_id": "sz", "on_hand": on_hand, "reserved": reserved}


_PRODUCT = m.product_to_doc(b.product())
_COUPON = m.coupon_to_doc(
    Coupon(
        "cpn_1",
        "Electronics 10% off",
        "category",
        Benefit("percent_off", {"percent": "10"}),
        scope=Scope(category_ids={"cat_1"}),
        usage_limit=2,
    )
)
_CODE = m.code_to_doc(CouponCode("SAVE10", "cpn_1"))
_CLAIM = m.claim_to_doc(CouponClaim("cpn_1", "cus_1", "SAVE10", 1, True, b.T0))


@pytest.mark.parametrize(
    ("read", "doc", "named"),
    [
        _case("over-reserved stock", m.stock_from_doc, _stock("PX-1", 1, 2), "PX-1"),
        _case("a lower-case SKU", m.stock_from_doc, _stock("px-1", 2, 1), "px-1"),
        _case(
            "a variant's SKU",
            m.product_from_doc,
            _edited(_PRODUCT, "variants.0.sku", "px-1"),
            "prd_1",
        ),
        _case(
            "a negative price",
            m.product_from_doc,
            _edited(_PRODUCT, "variants.0.price", -1),
            "prd_1",
        ),
        _case("names as text", m.product_from_doc, _edited(_PRODUCT, "names", "Phone"), "prd_1"),
        _case(
            "an e-mail key that is not the address",
            m.customer_from_doc,
            _edited(m.customer_to_doc(b.customer()), "email_key", "x@y.cn"),
            "cus_1",
        ),
        _case(
            "an unknown role",
            m.customer_from_doc,
            _edited(m.customer_to_doc(b.customer()), "role", "root"),
            "cus_1",
        ),
        _case(
            "a quantity of zero",
            m.cart_from_doc,
            _edited(m.cart_to_doc(b.cart()), "lines.0.quantity", 0),
            "cart_1",
        ),
        _case(
            "a capture as text",
            m.payment_from_doc,
            _edited(m.payment_to_doc(b.payment()), "captured", "all"),
            "pay_1",
        ),
        _case(
            "an unknown hold status",
            m.reservation_from_doc,
            _edited(m.reservation_to_doc(b.reservation()), "status", "held"),
            "res_1",
        ),
        _case(
            "an unknown coupon kind", m.coupon_from_doc, _edited(_COUPON, "kind", "vip"), "cpn_1"
        ),
        _case(
            "a category coupon without categories",
            m.coupon_from_doc,
            _edited(_COUPON, "scope.category_ids", []),
            "cpn_1",
        ),
        _case("a coupon's uses as text", m.coupon_from_doc, _edited(_COUPON, "used", "1"), "cpn_1"),
        _case(
            "a coupon without a benefit",
            m.coupon_from_doc,
            _edited(_COUPON, "benefit", None),
            "cpn_1",
        ),
        _case("a lower-case code", m.code_from_doc, _edited(_CODE, "_id", "save10"), "save10"),
        _case(
            "a code's owner as a number",
            m.code_from_doc,
            _edited(_CODE, "customer_id", 7),
            "SAVE10",
        ),
        _case("a wallet's negative uses", m.claim_from_doc, _edited(_CLAIM, "used", -1), "cus_1"),
        _case("a wallet's uses as true", m.claim_from_doc, _edited(_CLAIM, "used", True), "cus_1"),
        _case(
            "a wallet's time without microseconds",
            m.claim_from_doc,
            _edited(_CLAIM, "claimed_at", "2026-03-01T08:30:15Z"),
            "cus_1",
        ),
        _case(
            "an unknown event",
            m.event_from_doc,
            {"_id": 7, "name": "order.teleported", "payload": {}, "occurred_at": "x"},
            "7",
        ),
        _case(
            "an event missing its time",
            m.event_from_doc,
            {"_id": 8, "name": "order.paid", "payload": {"order_id": "o"}, "occurred_at": "x"},
            "8",
        ),
    ],
)
def test_any_document_the_domain_refuses_is_corrupt_data_naming_it(
    read: Any, doc: dict[str, Any], named: str
) -> None:
    with pytest.raises(CorruptData) as caught:
        read(doc)
    assert named in caught.value.message


def test_fields_this_library_does_not_write_are_ignored() -> None:
    # the lock counter that for_update writes, or a field a host application adds
    doc = {**m.order_to_doc(b.order()), "_lock": 3, "crm_ref": "X-1"}
    assert m.order_from_doc(doc) == b.order()


# -- the deployment: transactions or an explicit refusal --------------------------------------
REPLICA_SET = {"isWritablePrimary": True, "setName": "rs0", "maxWireVersion": 21}
MONGOS = {"isWritablePrimary": True, "msg": "isdbgrid", "maxWireVersion": 21}
STANDALONE = {"isWritablePrimary": True, "maxWireVersion": 21}


def test_a_replica_set_or_a_sharded_cluster_runs_units_of_work_as_transactions() -> None:
    assert deployment_kind(REPLICA_SET) == "replica set"
    assert deployment_kind(MONGOS) == "sharded cluster"
    assert uses_transactions(REPLICA_SET, allow_standalone=False) is True
    assert uses_transactions(MONGOS, allow_standalone=False) is True
    assert uses_transactions(REPLICA_SET, allow_standalone=True) is True  # allowing is not asking


def test_a_standalone_server_is_refused_unless_the_weaker_guarantees_are_accepted() -> None:
    with pytest.raises(StorageError) as caught:
        uses_transactions(STANDALONE, allow_standalone=False)
    assert "allow_standalone" in caught.value.message
    assert "replica set" in caught.value.message
    assert uses_transactions(STANDALONE, allow_standalone=True) is False


# -- driver errors -------------------------------------------------------------------------
def test_driver_errors_surface_as_library_errors() -> None:
    errors = pytest.importorskip("pymongo.errors")
    from ecommerce_mongo.errors import translate

    duplicate = errors.DuplicateKeyError(
        "E11000 duplicate key", 11000, {"keyPattern": {"number": 1}, "keyValue": {"number": "N"}}
    )
    bulk = errors.BulkWriteError({"writeErrors": [{"code": 11000, "keyPattern": {"_id": 1}}]})
    conflict = errors.OperationFailure("WriteConflict", 112)
    transient = errors.OperationFailure(
        "aborted", 251, {"errorLabels": ["TransientTransactionError"]}
    )
    cases = [
        (duplicate, AlreadyExists),
        (bulk, AlreadyExists),
        (conflict, Contention),
        (transient, Contention),
        (errors.ServerSelectionTimeoutError("no servers"), StorageUnavailable),
        (errors.AutoReconnect("connection reset"), StorageUnavailable),
        (errors.OperationFailure("stepped down", 189), StorageUnavailable),
        (errors.WriteError("Document failed validation", 121), StorageError),
        (errors.OperationFailure("something else", 2), StorageError),
    ]
    for exc, expected in cases:
        assert type(translate(exc)) is expected, exc
    assert translate(duplicate).details["fields"] == ["number"]  # never the values
    with pytest.raises(TypeError):
        translate(ValueError("not a database error"))


# -- the schema's backstops and the plugin -------------------------------------------------
def test_the_unique_indexes_are_the_backstops_the_sql_schema_has() -> None:
    unique = {
        (name, tuple(k for k, _ in ix.keys))
        for name, indexes in schema.COLLECTIONS.items()
        for ix in indexes
        if ix.unique
    }
    assert unique >= {
        ("ec_categories", ("slug",)),
        ("ec_products", ("slug",)),
        ("ec_products", ("variants.sku",)),
        ("ec_customers", ("email_key",)),
        ("ec_orders", ("number",)),
        ("ec_orders", ("customer_id", "idempotency_key")),
        ("ec_payments", ("order_id", "idempotency_key")),
        ("ec_processed_notifications", ("provider", "event_id")),
        ("ec_outbox_deliveries", ("consumer", "event_id")),
        ("ec_stock_levels", ("sku", "warehouse_id")),
        # one wallet row per (coupon, customer); codes are unique as the _id of ec_coupon_codes
        ("ec_coupon_claims", ("coupon_id", "customer_id")),
    }
    (keyed,) = [ix for ix in schema.COLLECTIONS["ec_orders"] if ix.name == "uq_idempotency"]
    assert keyed.partial == {"idempotency_key": {"$type": "string"}}  # orders without a key


def test_a_backup_covers_every_kind_and_a_restore_clears_every_collection() -> None:
    pytest.importorskip("pymongo")
    from ecommerce_core.archive import KINDS
    from ecommerce_mongo import archive

    # aggregates by _id; the rest (stock, wallets, notifications, outbox, deliveries) by hand
    by_hand = {"stock", "stock_ledger", "coupon_claims", "notifications", "outbox", "deliveries"}
    assert set(archive._AGGREGATES) | by_hand == set(KINDS)
    assert {
        "ec_promotions",
        "ec_coupons",
        "ec_coupon_codes",
        "ec_coupon_claims",
    } <= set(schema.DATA_COLLECTIONS)


def test_the_plugin_offers_mongodb_urls_without_importing_pymongo() -> None:
    code = (
        "import sys, ecommerce_mongo, ecommerce_mongo.plugin\n"
        "from ecommerce_core.plugins import build_registry, get_plugin_manager\n"
        "from ecommerce_core.shop import _scheme\n"
        "registry = build_registry(get_plugin_manager(False, [ecommerce_mongo.plugin]))\n"
        "offer = registry.get('storage', _scheme('mongodb+srv://cluster0.example.net/shop'))\n"
        "print(offer.name, 'pymongo' in sys.modules, 'bson' in sys.modules)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["mongodb", "False", "False"]


def test_decimals_are_stored_as_their_exact_text() -> None:
    promo = Promotion("p1", "Phones", Decimal("12.50"), frozenset({"cat_1"}))
    assert m.promotion_to_doc(promo)["percent"] == "12.50"
    assert m.promotion_from_doc(m.promotion_to_doc(promo)).percent == Decimal("12.50")


# -- the unit of work's session: its lock wait and commit retries, against a recording stand-in
#    for pymongo's ClientSession (it records calls; it is not a database and stores nothing) ----
class RecordingSession:
    def __init__(self, commit_failures: list[Exception] | None = None) -> None:
        self.calls: list[str] = []
        self.in_transaction = False
        self._commit_failures = list(commit_failures or [])

    def start_transaction(self, **options: Any) -> None:
        assert options["read_concern"].level == "snapshot"
        assert options["write_concern"].document == {"w": "majority"}
        self.calls.append("start")
        self.in_transaction = True

    def abort_transaction(self) -> None:
        self.calls.append("abort")
        self.in_transaction = False

    def commit_transaction(self) -> None:
        self.calls.append("commit")
        self.in_transaction = False
        if self._commit_failures:
            raise self._commit_failures.pop(0)

    def end_session(self) -> None:
        self.calls.append("end")


class RecordingClient:
    def __init__(self, session: RecordingSession) -> None:
        self.session = session

    def start_session(self) -> RecordingSession:
        return self.session


def _conflict() -> Exception:
    errors = pytest.importorskip("pymongo.errors")
    return errors.OperationFailure(
        "WriteConflict", 112, {"errorLabels": ["TransientTransactionError"]}
    )


def _failing(times: int, then: Any = "done") -> Any:
    left = [times]

    def op(*, session: Any) -> Any:
        if left[0]:
            left[0] -= 1
            raise _conflict()
        return then

    return op


def _session(lock_timeout: float = 1.0, **kw: Any) -> tuple[Any, RecordingSession]:
    from ecommerce_mongo.session import Session

    recording = RecordingSession(**kw)
    return Session(RecordingClient(recording), True, lock_timeout), recording  # type: ignore[arg-type]


def test_a_first_lock_waits_out_a_conflict_in_a_fresh_transaction() -> None:
    tx, recording = _session()
    assert tx.lock(_failing(2)) == "done"
    assert recording.calls == ["start", "abort", "start", "abort", "start"]
    assert tx.wrote


def test_a_conflict_after_the_first_write_is_contention_at_once() -> None:
    tx, recording = _session()
    tx.write(_failing(0))
    with pytest.raises(Contention):
        tx.lock(_failing(1))
    with pytest.raises(Contention):
        tx.write(_failing(1))
    assert recording.calls == ["start"]  # nothing written was thrown away


def test_a_lock_held_longer_than_the_timeout_is_contention() -> None:
    import time

    tx, _ = _session(lock_timeout=0.05)
    started = time.monotonic()
    with pytest.raises(Contention):
        tx.lock(_failing(10**6))
    assert 0.05 <= time.monotonic() - started < 2


def test_a_duplicate_is_not_waited_for() -> None:
    errors = pytest.importorskip("pymongo.errors")
    tx, recording = _session()

    def insert(*, session: Any) -> None:
        raise errors.DuplicateKeyError("E11000", 11000, {"keyPattern": {"number": 1}})

    with pytest.raises(AlreadyExists):
        tx.lock(insert)
    assert recording.calls == ["start"]


def test_a_commit_of_unknown_outcome_is_tried_again_then_reported_as_such() -> None:
    errors = pytest.importorskip("pymongo.errors")

    def unknown() -> Exception:
        labels = {"errorLabels": ["UnknownTransactionCommitResult"]}
        return errors.OperationFailure("write concern timed out", 64, labels)

    tx, recording = _session(commit_failures=[unknown(), unknown()])
    tx.commit()
    assert recording.calls == ["start", "commit", "commit", "commit", "start"]
    tx, recording = _session(commit_failures=[unknown(), unknown(), unknown()])
    with pytest.raises(StorageUnavailable) as caught:
        tx.commit()
    assert "may or may not" in caught.value.message


def test_without_transactions_nothing_pretends_to_roll_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from ecommerce_mongo.session import Session

    tx = Session(RecordingClient(RecordingSession()), False, 1.0)  # type: ignore[arg-type]
    assert tx.current is None
    with pytest.raises(Contention):  # no transaction to restart: not waited for
        tx.lock(_failing(1))
    tx.write(_failing(0))
    tx.rollback()
    assert "what it wrote stays" in caplog.text


def test_stock_settings_and_warehouse_regions_round_trip_and_old_documents_still_read() -> None:
    level = StockLevel("A-1", "sz", 5, 2, safety_stock=1, low_stock_threshold=3)
    assert m.stock_from_doc(_through_bson(m.stock_to_doc(level))) == level
    old = {"sku": "A-1", "warehouse_id": "sz", "on_hand": 5, "reserved": 2}
    assert m.stock_from_doc(old) == StockLevel("A-1", "sz", 5, 2)
    assert m.stock_to_doc(StockLevel("A-1", "sz", 5, 2)) == old
    warehouse = Warehouse("sz", "Shenzhen", 1, ["CN-GD", "cn"])
    assert warehouse.regions == ("CN", "CN-GD")
    assert m.warehouse_from_doc(_through_bson(m.warehouse_to_doc(warehouse))) == warehouse
    assert m.warehouse_from_doc({"_id": "bj", "name": "Beijing", "priority": 2}).regions == ()


def test_a_stocktake_comes_back_exactly_as_stored_through_bson() -> None:
    pytest.importorskip("pymongo")
    from ecommerce_core.domain.stock_control import Stocktake, StocktakeCount, StocktakeStatus
    from ecommerce_mongo.stock_ledger import stocktake_from_doc, stocktake_to_doc

    at = datetime(2026, 4, 1, 9, 30, 0, 123456, tzinfo=UTC)
    take = Stocktake(
        "stk_1", "sz", at, "adm_1", "aisle 4", StocktakeStatus.APPLIED,
        (StocktakeCount("A-1", 3, 5, at, "adm_2"),), at,
    )  # fmt: skip
    assert stocktake_from_doc(_through_bson(stocktake_to_doc(take))) == take
    with pytest.raises(CorruptData):
        stocktake_from_doc({**stocktake_to_doc(take), "status": "done"})


def test_a_backordered_level_round_trips_and_the_validator_allows_its_limit_only() -> None:
    level = StockLevel("A-1", "sz", 2, 5, backorder_limit=3)
    doc = m.stock_to_doc(level)
    assert doc["backorder_limit"] == 3
    assert m.stock_from_doc(_through_bson(doc)) == level
    assert "backorder_limit" not in m.stock_to_doc(StockLevel("A-1", "sz", 5, 2))
    release = datetime(2026, 6, 18, 0, 0, 0, 1, tzinfo=UTC)
    preorder = StockLevel("A-1", "sz", 0, 4, backorder_limit=5, available_from=release)
    assert m.stock_from_doc(_through_bson(m.stock_to_doc(preorder))) == preorder
    assert "available_from" not in m.stock_to_doc(level)
    with pytest.raises(CorruptData):
        m.stock_from_doc({**doc, "backorder_limit": 2})  # 5 reserved, 2 on hand + 2 allowed
    from ecommerce_mongo import schema

    rule = schema.VALIDATORS[schema.STOCK]["$expr"]["$and"]
    assert {"$gte": ["$on_hand", 0]} in rule
    assert {"$lte": ["$reserved", {"$add": ["$on_hand", schema.BACKORDER_LIMIT]}]} in rule
