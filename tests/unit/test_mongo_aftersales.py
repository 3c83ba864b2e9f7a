"""The MongoDB mapping of after-sales requests and complaints, without a server: every request
and complaint comes back exactly as stored through BSON, and a hand-edited one is CorruptData."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecommerce_core.domain.aftersales import (
    AfterSalesRequest,
    Reason,
    RequestKind,
    RequestLine,
    RequestStatus,
    RequestStep,
)
from ecommerce_core.domain.complaints import Complaint, ComplaintMessage, ComplaintStatus
from ecommerce_core.domain.errors import CorruptData
from ecommerce_core.domain.money import Money
from tests.strategies import skus, small_quantities
from tests.unit.test_mongo_mapping import _through_bson

a = pytest.importorskip("ecommerce_mongo.aftersales")

ids = st.from_regex(r"[A-Za-z0-9_.:-]{1,24}", fullmatch=True)
texts = st.text(max_size=40)
moments = st.builds(
    lambda s: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(microseconds=s),
    st.integers(0, 10**13),
)
steps = st.builds(RequestStep, st.sampled_from(RequestStatus), moments, ids, ids, texts)
requests = st.builds(
    AfterSalesRequest,
    ids,
    ids,
    ids,
    st.sampled_from(RequestKind),
    st.lists(st.builds(RequestLine, st.integers(0, 99), skus, small_quantities), max_size=4).map(
        tuple
    ),
    st.sampled_from(Reason),
    texts,
    st.lists(ids, max_size=3).map(tuple),
    st.sampled_from(RequestStatus),
    moments,
    moments,
    st.lists(steps, max_size=5).map(tuple),
    st.none() | ids,
    st.none() | ids,
    st.none() | st.builds(Money, st.integers(0, 10**12), st.sampled_from(["CNY", "JPY", "KWD"])),
    st.none() | ids,
    st.none() | ids,
)
messages = st.builds(ComplaintMessage, moments, ids, ids, texts, st.booleans())
complaints = st.builds(
    Complaint,
    ids,
    ids,
    texts,
    st.sampled_from(ComplaintStatus),
    moments,
    moments,
    st.lists(messages, max_size=4).map(tuple),
    st.none() | ids,
)


@given(requests)
def test_a_request_comes_back_exactly_as_stored(request: AfterSalesRequest) -> None:
    doc = a.request_to_doc(request)
    back = a.request_from_doc(_through_bson(doc))
    assert back == request and a.request_to_doc(back) == doc


@given(complaints)
def test_a_complaint_comes_back_exactly_as_stored(complaint: Complaint) -> None:
    doc = a.complaint_to_doc(complaint)
    back = a.complaint_from_doc(_through_bson(doc))
    assert back == complaint and a.complaint_to_doc(back) == doc


@pytest.mark.parametrize(
    ("key", "value"),
    [("status", "lost"), ("kind", "swap"), ("lines", [{"line": "0"}]), ("created_at", 5)],
)
def test_a_request_edited_into_nonsense_is_corrupt_data(key: str, value: Any) -> None:
    request = AfterSalesRequest(
        "rma_1", "ord_1", "cus_1", RequestKind.RETURN, (RequestLine(0, "PX-1", 1),),
        Reason.DAMAGED, "", (), RequestStatus.REQUESTED,
        datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    doc = {**a.request_to_doc(request), key: value}
    with pytest.raises(CorruptData):
        a.request_from_doc(doc)
    assert a.request_from_doc(a.request_to_doc(attrs.evolve(request))) == request
