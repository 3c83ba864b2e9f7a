"""Complaints: a conversation between a customer and the shop, opened -> answered -> closed.

A customer's message (re)opens it, the shop's answer marks it answered, either side closes it;
a closed complaint takes no more messages.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from ecommerce_core.domain import events as ev
from ecommerce_core.domain import validation as v
from ecommerce_core.domain.errors import InvalidTransition

__all__ = ["MAX_MESSAGES", "Complaint", "ComplaintMessage", "ComplaintStatus"]

MAX_MESSAGES = 200


class ComplaintStatus(StrEnum):
    OPENED = "opened"
    ANSWERED = "answered"
    CLOSED = "closed"


@attrs.frozen
class ComplaintMessage:
    at: datetime
    author_id: str
    author_role: str
    body: str
    #: True when the shop wrote it
    staff: bool


@attrs.frozen
class Complaint:
    id: str
    customer_id: str
    subject: str
    status: ComplaintStatus
    created_at: datetime
    updated_at: datetime
    messages: tuple[ComplaintMessage, ...] = ()
    order_id: str | None = None

    @classmethod
    def open(
        cls,
        *,
        id: str,
        customer_id: str,
        subject: object,
        body: object,
        at: datetime,
        author_id: str,
        author_role: str,
        order_id: str | None = None,
    ) -> tuple[Complaint, list[ev.DomainEvent]]:
        first = ComplaintMessage(at, author_id, author_role, _body(body), staff=False)
        complaint = cls(
            id=id,
            customer_id=customer_id,
            subject=v.text(subject, "subject", max_length=200),
            status=ComplaintStatus.OPENED,
            created_at=at,
            updated_at=at,
            messages=(first,),
            order_id=order_id,
        )
        return complaint, [complaint._event(at, author_id)]

    def reply(
        self, body: object, at: datetime, author_id: str, author_role: str, *, staff: bool
    ) -> tuple[Complaint, list[ev.DomainEvent]]:
        """Add a message: the shop's answers it, the customer's reopens it."""
        if self.status is ComplaintStatus.CLOSED:
            raise InvalidTransition(
                "a closed complaint takes no more messages", complaint_id=self.id
            )
        if len(self.messages) >= MAX_MESSAGES:
            raise InvalidTransition(
                f"a complaint holds at most {MAX_MESSAGES} messages", complaint_id=self.id
            )
        message = ComplaintMessage(at, author_id, author_role, _body(body), staff)
        complaint = attrs.evolve(
            self,
            status=ComplaintStatus.ANSWERED if staff else ComplaintStatus.OPENED,
            updated_at=at,
            messages=(*self.messages, message),
        )
        return complaint, [complaint._event(at, author_id)]

    def close(self, at: datetime, author_id: str) -> tuple[Complaint, list[ev.DomainEvent]]:
        if self.status is ComplaintStatus.CLOSED:
            raise InvalidTransition("the complaint is closed already", complaint_id=self.id)
        complaint = attrs.evolve(self, status=ComplaintStatus.CLOSED, updated_at=at)
        return complaint, [complaint._event(at, author_id)]

    def _event(self, at: datetime, actor_id: str) -> ev.DomainEvent:
        return ev.ComplaintChanged(
            occurred_at=at,
            complaint_id=self.id,
            customer_id=self.customer_id,
            order_id=self.order_id or "",
            status=self.status.value,
            actor_id=actor_id,
        )


def _body(value: object) -> str:
    return v.text(value, "message", max_length=4000)
