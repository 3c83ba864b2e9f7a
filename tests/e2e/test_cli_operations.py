"""`ecommerce backup`, `restore` and `relay` as an operator runs them."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ecommerce_core import Principal
from ecommerce_core.defaults import FixedClock
from tests.e2e.test_cli import ecommerce
from tests.support import open_shop, seed


def _demo_shop(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'demo' / 'shop.db'}"
    run = ecommerce("demo", "--directory", str(tmp_path / "demo"))
    assert run.returncode == 0, run.stderr
    return url


def test_a_shop_is_backed_up_and_restored_into_another(tmp_path: Path) -> None:
    source = _demo_shop(tmp_path)
    archive = tmp_path / "backup.zip"
    run = ecommerce("backup", str(archive), "--url", source)
    assert run.returncode == 0, run.stderr
    assert "records written" in run.stdout
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    run = ecommerce("restore", str(archive), "--url", target)
    assert run.returncode == 0, run.stderr
    again = ecommerce("restore", str(archive), "--url", target)
    assert again.returncode != 0
    assert "[conflict]" in again.stderr
    replaced = ecommerce("restore", str(archive), "--url", target, "--replace")
    assert replaced.returncode == 0, replaced.stderr
    copy = tmp_path / "copy.zip"
    assert ecommerce("backup", str(copy), "--url", target).returncode == 0
    first = run.stdout.split()[0]
    assert ecommerce("backup", str(copy), "--url", target).stdout.split()[0] == first


def test_a_damaged_archive_is_refused_with_its_code(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    run = ecommerce("restore", str(bad), "--url", f"sqlite:///{tmp_path / 'x.db'}")
    assert run.returncode != 0
    assert "[invalid_input]" in run.stderr


@pytest.mark.redis
def test_the_relay_sends_the_demo_events_to_redis_once(tmp_path: Path) -> None:
    redis_url = os.environ.get("ECOMMERCE_TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("ECOMMERCE_TEST_REDIS_URL is not set: the Redis relay leg did not run")
    import redis

    source = _demo_shop(tmp_path)
    stream = f"ecommerce.cli.{uuid.uuid4().hex}"
    to = f"{redis_url}?stream={stream}"
    first = ecommerce("relay", "--url", source, "--to", to, "--consumer", "crm")
    second = ecommerce("relay", "--url", source, "--to", to, "--consumer", "crm")
    client = redis.Redis.from_url(redis_url)
    try:
        assert first.returncode == 0, first.stderr
        sent = int(first.stdout.split()[0])
        assert sent > 10
        assert second.stdout.split()[0] == "0"
        assert client.xlen(stream) == sent
    finally:
        client.delete(stream)
        client.close()


def test_the_worker_sweeps_expired_holds_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    clock = FixedClock()  # the hold is taken long before the worker runs on the real clock
    assert clock.now() + timedelta(days=30) < datetime.now(UTC)
    with open_shop(url, clock) as shop:
        seed(shop, clock).buy(PX_128_BLK=2)
    first = ecommerce("worker", "--url", url, "--once")
    second = ecommerce("worker", "--url", url, "--once")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("1 unpaid orders cancelled")
    assert second.stdout.startswith("0 unpaid orders cancelled")
    assert "0 delivered orders completed" in first.stdout


def test_an_unknown_notifier_is_refused_before_the_worker_changes_anything(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    clock = FixedClock()
    with open_shop(url, clock) as shop:
        seed(shop, clock).buy(PX_128_BLK=2)  # a hold long expired: a sweep would cancel it
    refused = ecommerce("worker", "--url", url, "--once", "--notifier", "pager")
    assert refused.returncode != 0
    assert "pager" in refused.stderr and "unknown_backend" in refused.stderr
    assert "cancelled" not in refused.stdout
    swept = ecommerce("worker", "--url", url, "--once")
    assert swept.stdout.startswith("1 unpaid orders cancelled")  # still there to sweep


def test_the_worker_completes_orders_delivered_a_week_ago(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    clock = FixedClock()  # delivered long before the worker runs on the real clock
    with open_shop(url, clock) as shop:
        world = seed(shop, clock)
        order = world.buy()
        shop.payments.pay(
            world.customer, order.id, payment_method="tok_visa", idempotency_key="pay"
        )
        shop.shipping.ship(world.admin, order.id)
        clock.advance(timedelta(hours=30))
        shop.shipping.track(world.admin, order.id)
    first = ecommerce("worker", "--url", url, "--once")
    second = ecommerce("worker", "--url", url, "--once")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[1] == "1 delivered orders completed"
    assert second.stdout.splitlines()[1] == "0 delivered orders completed"
    with open_shop(url, clock) as shop:
        assert shop.orders.get(Principal.system(), order.id).status == "completed"


def test_the_worker_tells_the_log_notifier_of_low_stock_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    clock = FixedClock()
    with open_shop(url, clock) as shop:
        world = seed(shop, clock)
        shop.inventory.configure_stock(world.admin, sku="PX-128-BLK", low_stock_threshold=8)
        world.buy(PX_128_BLK=3)  # 10 on hand, 7 available: below the threshold of 8
    silent = ecommerce("worker", "--url", url, "--once", "--max-seconds", "0")
    first = ecommerce("worker", "--url", url, "--once", "--notifier", "log")
    second = ecommerce("worker", "--url", url, "--once", "--notifier", "log")
    assert silent.returncode == 0 and "notifications" not in silent.stdout, silent.stdout
    assert first.returncode == 0, first.stderr
    assert "1 notifications delivered to log" in first.stdout
    (alert,) = [json.loads(line) for line in first.stderr.splitlines() if line.startswith("{")]
    assert alert["event"] == "stock.low"
    assert alert["payload"]["sku"] == "PX-128-BLK"
    assert "0 notifications delivered to log" in second.stdout
    assert not [line for line in second.stderr.splitlines() if line.startswith("{")]


def test_the_worker_refuses_a_notifier_that_is_not_installed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    with open_shop(url, FixedClock()):
        pass
    result = ecommerce("worker", "--url", url, "--once", "--notifier", "carrier-pigeon")
    assert result.returncode != 0
    assert "carrier-pigeon" in result.stderr


@pytest.mark.redis
def test_the_relay_prunes_what_every_consumer_received_when_asked(tmp_path: Path) -> None:
    redis_url = os.environ.get("ECOMMERCE_TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("ECOMMERCE_TEST_REDIS_URL is not set: the Redis relay leg did not run")
    import redis
    import sqlalchemy as sa

    source = _demo_shop(tmp_path)
    stream = f"ecommerce.cli.{uuid.uuid4().hex}"
    to = f"{redis_url}?stream={stream}"
    engine = sa.create_engine(source)

    def stored() -> int:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM ec_outbox")).scalar_one())

    client = redis.Redis.from_url(redis_url)
    try:
        events = stored()
        kept = ecommerce(
            "relay", "--url", source, "--to", to, "--consumer", "crm", "--prune-older-than", "30"
        )
        assert kept.returncode == 0, kept.stderr
        assert "0 delivered events pruned" in kept.stdout  # the demo's events are younger
        assert stored() == events
        pruned = ecommerce(
            "relay", "--url", source, "--to", to, "--consumer", "crm", "--prune-older-than", "0"
        )
        assert pruned.returncode == 0, pruned.stderr
        count = int(pruned.stdout.splitlines()[-1].split()[0])
        # the demo's parcel journey runs ahead of the real clock: those events are kept too
        assert 0 < count < events
        assert stored() == events - count
        bad = ecommerce(
            "relay", "--url", source, "--to", to, "--consumer", "crm", "--prune-older-than", "-1"
        )
        assert bad.returncode != 0
    finally:
        engine.dispose()
        client.delete(stream)
        client.close()
