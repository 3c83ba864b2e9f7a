"""After-sales requests and complaints in storage, on every backend: they come back exactly as
stored, in the documented orders, and only after commit."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from ecommerce_core.domain.aftersales import AfterSalesRequest, RequestAction, open_request
from ecommerce_core.domain.complaints import Complaint
from ecommerce_core.domain.errors import AlreadyExists, NotFound
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.orders import FulfilmentStatus, OrderStatus, PaymentState
from ecommerce_core.ports.storage import Storage
from tests.contract import builders as b


def _request(id: str, order_id: str = "ord_1", minutes: int = 0) -> AfterSalesRequest:
    order = attrs.evolve(
        b.order(order_id),
        status=OrderStatus.DELIVERED,
        payment_status=PaymentState.PAID,
        fulfilment_status=FulfilmentStatus.DELIVERED,
    )
    request, _ = open_request(
        order,
        id=id,
        kind="return",
        lines={0: 1},
        reason="damaged",
        description="écran cassé, 屏幕碎了",
        photos=("rma/1.jpg", "https://cdn.example.com/2.jpg"),
        earlier=(),
        refunded={},
        shipped={"PX-1": 2},
        at=b.T0 + timedelta(minutes=minutes),
        actor_id="cus_1",
        actor_role="customer",
    )
    return request


def test_a_request_round_trips_with_its_lines_photos_and_steps(storage: Storage) -> None:
    with storage.unit_of_work() as uow:
        uow.orders.add(b.order())
        uow.orders.add(b.order("ord_2", "N-2", "key-2"))
        uow.aftersales.add(_request("rma_1"))
        uow.aftersales.add(_request("rma_2", minutes=5))
        uow.aftersales.add(_request("rma_3", "ord_2", minutes=9))
        uow.commit()
    later = b.T0 + timedelta(hours=1)
    with storage.unit_of_work() as uow:
        stored = uow.aftersales.get("rma_1", for_update=True)
        assert stored == _request("rma_1")
        assert stored is not None
        done = stored
        for action in (RequestAction.APPROVE, RequestAction.RECEIVE, RequestAction.REFUND):
            done, _ = done.advance(action, later, "adm_1", "admin", "ok")
        done = attrs.evolve(
            done, warehouse_id="sz", refund_id="ref_1", refunded=Money(359910, "CNY")
        )
        uow.aftersales.update(done)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.aftersales.get("rma_1") == done
        assert [r.id for r in uow.aftersales.list_for_order("ord_1")] == ["rma_1", "rma_2"]
        assert [r.id for r in uow.aftersales.list()] == ["rma_3", "rma_2", "rma_1"]
        assert [r.id for r in uow.aftersales.list(customer_id="cus_1", limit=2)] == [
            "rma_3",
            "rma_2",
        ]
        assert uow.aftersales.list(customer_id="cus_2") == []
        assert uow.aftersales.get("rma_404") is None
    with pytest.raises(AlreadyExists), storage.unit_of_work() as uow:
        uow.aftersales.add(_request("rma_1"))
        uow.commit()
    with pytest.raises(NotFound), storage.unit_of_work() as uow:
        uow.aftersales.update(_request("rma_404"))


def test_a_complaint_round_trips_with_its_messages(storage: Storage) -> None:
    complaint, _ = Complaint.open(
        id="cpl_1", customer_id="cus_1", subject="Late", body="Two weeks late.\nAgain.",
        at=b.T0, author_id="cus_1", author_role="customer", order_id="ord_1",
    )  # fmt: skip
    other, _ = Complaint.open(
        id="cpl_2", customer_id="cus_2", subject="Rude", body="Very", at=b.T0 + timedelta(1),
        author_id="cus_2", author_role="customer",
    )  # fmt: skip
    with storage.unit_of_work() as uow:
        uow.complaints.add(complaint)
        uow.complaints.add(other)
    with storage.unit_of_work() as uow:
        assert uow.complaints.get("cpl_1") is None  # nothing without commit
        uow.complaints.add(complaint)
        uow.complaints.add(other)
        uow.commit()
    with storage.unit_of_work() as uow:
        current = uow.complaints.get("cpl_1", for_update=True)
        assert current == complaint
        answered, _ = complaint.reply(
            "Sorry!", b.T0 + timedelta(hours=2), "adm_1", "admin", staff=True
        )
        uow.complaints.update(answered)
        uow.commit()
    with storage.unit_of_work() as uow:
        assert uow.complaints.get("cpl_1") == answered
        assert [c.id for c in uow.complaints.list()] == ["cpl_2", "cpl_1"]
        assert uow.complaints.list(customer_id="cus_1") == [answered]
