"""The outbox relay into a real Redis stream: every event once, and a redelivery deduplicated."""

from __future__ import annotations

import json
import os
import uuid

import pytest

from ecommerce_core import Principal
from tests.support import seeded_shop

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("ECOMMERCE_TEST_REDIS_URL")
    if not url:
        pytest.skip("ECOMMERCE_TEST_REDIS_URL is not set: the Redis relay leg did not run")
    return url


def test_relayed_events_land_in_the_stream_once_each(redis_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import redis

    stream = f"ecommerce.test.{uuid.uuid4().hex}"
    client = redis.Redis.from_url(redis_url)
    try:
        with seeded_shop(f"sqlite:///{tmp_path / 'shop.db'}") as w:
            publisher = w.shop.open_publisher(f"{redis_url}?stream={stream}")
            order = w.buy()
            sent = w.shop.events.relay_all(
                Principal.system(), consumer="redis", publisher=publisher
            )
            again = w.shop.events.relay_all(
                Principal.system(), consumer="redis", publisher=publisher
            )
            publisher.close()
        entries = client.xrange(stream)
        assert sent == len(entries) > 0
        assert again == 0
        ids = [e[1][b"message_id"].decode() for e in entries]
        assert len(ids) == len(set(ids))
        placed = [json.loads(e[1][b"payload"]) for e in entries if e[1][b"name"] == b"order.placed"]
        assert [p["order_id"] for p in placed] == [order.id]
    finally:
        client.delete(stream)
        client.close()
