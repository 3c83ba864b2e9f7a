"""Place-order throughput of ecommerce-core beside a raw-driver floor measured in the same run.

What is measured (issue #3, "Speed" and "Scale"):

* **ours**: a shop opened with ``Shop.open`` places 5-line orders through the public API, as a shop
  would: ``carts.add_item`` five times, then ``checkout.place_order`` (price the cart afresh, lock
  and reserve the stock, write the reservation, the order, its lines and timeline, empty the cart,
  write the outbox events). Optionally (``--pay``) each order is then paid through the sandbox
  gateway. Every worker process fills the carts of its own customers (untimed), all workers are
  released together by a barrier, and each places one order per customer (timed); the throughput
  is the orders placed divided by the wall time of those timed phases.
* **floor**: what the raw driver does with no library in the way, the transaction of
  ``/work/shared/bench/limits`` (``sqlite_oltp.py``, ``py_oltp.py``): five guarded stock decrements
  in SKU order, an order, its five lines in one statement and one outbox row, in plain SQL through
  ``sqlite3`` or ``psycopg``, in the same database (its own ``floor_*`` tables) and on as many SKUs.

The two alternate within every round (ours first in even rounds, the floor first in odd ones) so
that the noise of a shared machine hits both, and each round runs every process count in turn, so
that a drift of the machine's speed does not favour one; the figures are medians over the rounds,
and ``ours/floor`` is the median of the per-round ratios.

SQL statements are counted with SQLAlchemy's ``before_cursor_execute`` event on the shop's engine
(``shop.storage.engine``), per call and split by kind (an ``executemany`` counts once), in an
untimed pass of every worker (one cart and one order per customer, and a payment with ``--pay``)
on a shop of its own: a listener makes SQLAlchemy dispatch events around every statement, a cost
the timed shop does not pay.

    .venv/bin/python benchmarks/place_order.py                      # SQLite and PostgreSQL, 1 and 4
    .venv/bin/python benchmarks/place_order.py --rounds 1 --seconds 1   # quick: under a minute
    .venv/bin/python benchmarks/place_order.py --backends postgresql --procs 1,2,4,8 --rounds 5
    .venv/bin/python benchmarks/place_order.py --json               # one JSON object on stdout

PostgreSQL: ``--pg-url`` (or ``ECOMMERCE_BENCH_POSTGRES_URL``) names a database that this script
DROPS and creates afresh (default ``postgresql+psycopg://postgres@127.0.0.1:5432/ecommerce_bench``).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import random
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
import traceback
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import argon2
import attrs
import sqlalchemy as sa

from ecommerce_core import Money, Principal, Shop, ShopSettings, hookimpl
from ecommerce_core.plugins import Registry, get_plugin_manager
from ecommerce_crypto import Argon2Hasher

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ecommerce_bench"
ADDRESS = {
    "name": "Li Lei",
    "line1": "1 Keyuan Road",
    "city": "Shenzhen",
    "postal_code": "518000",
    "country": "CN",
}
PASSWORD = "correct horse battery staple"
STOCK = 1_000_000_000  # per SKU of the floor
RECEIPT = 9_999  # the most one inventory.receive takes
CATEGORIES = 4


# -- the shop --------------------------------------------------------------------------------
class FloorHasherPlugin:
    """argon2id at the policy floor, as tests/support.py registers it: hashing is not measured."""

    @hookimpl
    def ecommerce_core_register_security(self, registry: Registry) -> None:
        registry.add_password_hasher(
            "argon2-floor",
            lambda: Argon2Hasher(
                argon2.PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
            ),
        )


def open_shop(url: str, migrate: bool = False, options: dict[str, Any] | None = None) -> Shop:
    return Shop.open(
        url,
        settings=ShopSettings(password_hasher="argon2-floor", storage_options=options or {}),
        plugin_manager=get_plugin_manager(plugins=(FloorHasherPlugin(),)),
        migrate=migrate,
    )


def sku_of(i: int) -> str:
    return f"SKU-{i:05d}"


def seed_shop(url: str, n_skus: int, n_customers: int, units: int) -> list[str]:
    """Catalog, a promotion, stock and customers, all through the public API but the customer
    clones (one customer is registered; the others are stored with the same password hash)."""
    shop = open_shop(url, migrate=True)
    try:
        system = Principal.system()
        shop.accounts.create_admin(system, email="admin@example.com", password=PASSWORD)
        admin = shop.accounts.login("admin@example.com", PASSWORD)
        root = shop.catalog.create_category(admin, slug="all", names={"en": "All"})
        cats = [
            shop.catalog.create_category(
                admin, slug=f"c{i}", names={"en": f"Category {i}"}, parent_id=root.id
            )
            for i in range(CATEGORIES)
        ]
        shop.promotions.create_percentage(
            admin, name="10% off category 0", percent=10, category_ids=[cats[0].id]
        )
        shop.inventory.add_warehouse(admin, id="main", name="Main", priority=1)
        for i in range(n_skus):
            shop.catalog.create_product(
                admin,
                slug=f"p{i:05d}",
                names={"en": f"Product {i}"},
                category_id=cats[i % CATEGORIES].id,
                brand="Bench",
                variants=[
                    {
                        "sku": sku_of(i),
                        "price": Money.of(f"{10 + i % 90}.90", "CNY"),
                        "weight_grams": 100,
                    }
                ],
            )
            for _ in range(-(-units // RECEIPT)):
                shop.inventory.receive(admin, sku=sku_of(i), warehouse_id="main", quantity=RECEIPT)
        first = shop.accounts.register(
            Principal.anonymous(), email="buyer0@example.com", password=PASSWORD
        )
        ids = [first.id]
        with shop.storage.unit_of_work() as uow:
            for n in range(1, n_customers):
                clone = attrs.evolve(
                    first,
                    id=f"cus_bench{n:06d}",
                    email=f"buyer{n}@example.com",
                    display_name=f"buyer{n}",
                )
                uow.customers.add(clone)
                ids.append(clone.id)
            uow.commit()
        return ids
    finally:
        shop.close()


def _kind(statement: str) -> str:
    word = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"
    return word if word.isalpha() else "?"


def ours_worker(
    url: str,
    wid: int,
    customers: list[str],
    cfg: dict[str, Any],
    barrier: Any,
    walls: Any,
    out: Any,
) -> None:
    try:
        out.put(("ok", _ours(url, wid, customers, cfg, barrier, walls)))
    except BaseException:
        barrier.abort()
        out.put(("error", traceback.format_exc()))


def _ours(
    url: str, wid: int, customers: list[str], cfg: dict[str, Any], barrier: Any, walls: Any
) -> dict[str, Any]:
    rng = random.Random(secrets.randbits(64))
    skus = [sku_of(i) for i in range(cfg["skus"])]
    principals = [Principal.customer(c) for c in customers]
    tag = secrets.token_hex(4)
    n = 0

    def fill(shop: Shop, calls: Counter[str]) -> None:
        for who in principals:
            for sku in rng.sample(skus, cfg["lines"]):
                shop.carts.add_item(who, sku, 1)
                calls["cart_add"] += 1

    def place(shop: Shop, lat: list[float], calls: Counter[str]) -> list[Any]:
        nonlocal n
        placed = []
        for who in principals:
            n += 1
            t = time.perf_counter()
            order = shop.checkout.place_order(
                who, idempotency_key=f"{tag}-{n}", shipping_address=ADDRESS
            )
            lat.append(time.perf_counter() - t)
            placed.append((who, order))
        calls["place_order"] += len(principals)
        return placed

    def pay(shop: Shop, placed: list[Any], lat: list[float], calls: Counter[str]) -> None:
        for who, order in placed:
            t = time.perf_counter()
            payment = shop.payments.pay(
                who, order.id, payment_method="tok_visa", idempotency_key=f"pay-{order.id[-20:]}"
            )
            lat.append(time.perf_counter() - t)
            assert payment.status.value == "captured", payment.status
        calls["pay"] += len(placed)

    # 1. Counting pass, untimed, on a shop of its own: an event listener on an engine makes
    #    SQLAlchemy dispatch events around every statement, which the timed shop must not pay.
    statements: dict[str, Counter[str]] = {"cart_add": Counter(), "place_order": Counter()}
    statements["pay"] = Counter()
    calls: Counter[str] = Counter()
    phase: list[str] = ["warm-up"]
    counting = open_shop(url, options=cfg["storage_options"])
    try:

        @sa.event.listens_for(counting.storage.engine, "before_cursor_execute")  # type: ignore[attr-defined]
        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if phase[0] in statements:
                statements[phase[0]][_kind(statement)] += 1

        fill(counting, Counter())  # warm-up: the cart rows, statement caches
        place(counting, [], Counter())
        phase[0] = "cart_add"
        fill(counting, calls)
        phase[0] = "place_order"
        placed = place(counting, [], calls)
        if cfg["pay"]:
            phase[0] = "pay"
            pay(counting, placed, [], calls)
    finally:
        counting.close()

    # 2. Timed phases: fill the carts, then all workers place their orders together.
    shop = open_shop(url, options=cfg["storage_options"])
    try:
        fill(shop, Counter())  # warm-up: connections, statement caches, server-side plans
        place(shop, [], Counter())
        lat: list[float] = []
        pay_lat: list[float] = []
        timed = cpu = 0.0
        t_flow = time.perf_counter()
        while True:
            fill(shop, Counter())
            barrier.wait()
            c0, t0 = time.process_time(), time.perf_counter()
            placed = place(shop, lat, Counter())
            walls[wid] = time.perf_counter() - t0
            cpu += time.process_time() - c0
            barrier.wait()
            # every worker reads the same walls, so all take the same decision (and the next
            # write to walls comes after the next barrier, when all have read them)
            timed += max(walls[:])
            if cfg["pay"]:
                pay(shop, placed, pay_lat, Counter())
            if timed >= cfg["seconds"]:
                break
        return {
            "orders": len(lat),
            "timed": timed,
            "flow": time.perf_counter() - t_flow,
            "cpu": cpu,
            "lat": lat,
            "pay_lat": pay_lat,
            "statements": {k: dict(v) for k, v in statements.items()},
            "calls": dict(calls),
        }
    finally:
        shop.close()


# -- the floor -------------------------------------------------------------------------------
FLOOR_SQLITE_SCHEMA = """
CREATE TABLE floor_stock (sku_id INTEGER PRIMARY KEY, qty INTEGER NOT NULL);
CREATE TABLE floor_orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL,
    total_cents INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'placed',
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE floor_order_lines (id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES floor_orders(id), sku_id INTEGER NOT NULL,
    qty INTEGER NOT NULL, unit_price_cents INTEGER NOT NULL);
CREATE INDEX floor_order_lines_order_id ON floor_order_lines(order_id);
CREATE TABLE floor_outbox (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
"""

FLOOR_PG_SCHEMA = """
DROP TABLE IF EXISTS floor_outbox, floor_order_lines, floor_orders, floor_stock CASCADE;
CREATE TABLE floor_stock (sku_id integer PRIMARY KEY, qty integer NOT NULL);
CREATE TABLE floor_orders (id bigserial PRIMARY KEY, customer_id integer NOT NULL,
    total_cents bigint NOT NULL, status text NOT NULL DEFAULT 'placed',
    created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE floor_order_lines (id bigserial PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES floor_orders(id), sku_id integer NOT NULL,
    qty integer NOT NULL, unit_price_cents bigint NOT NULL);
CREATE INDEX floor_order_lines_order_id ON floor_order_lines(order_id);
CREATE TABLE floor_outbox (id bigserial PRIMARY KEY, topic text NOT NULL, payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
"""
# as limits/oltp_schema.sql does: some history, so that the planner's statistics are realistic
FLOOR_PG_HISTORY = """
INSERT INTO floor_stock SELECT g, {stock} FROM generate_series(1, {skus}) g;
INSERT INTO floor_orders (customer_id, total_cents)
    SELECT (g * 7919) % 1000000, 5000 FROM generate_series(1, 20000) g;
INSERT INTO floor_order_lines (order_id, sku_id, qty, unit_price_cents)
    SELECT o, ((o::bigint * 5 + k) * 7919) % {skus} + 1, 1, 1000
    FROM generate_series(1, 20000) o, generate_series(1, 5) k;
INSERT INTO floor_outbox (topic, payload)
    SELECT 'order.placed', jsonb_build_object('order_id', g, 'total_cents', 5000)
    FROM generate_series(1, 20000) g;
"""


def floor_sqlite_setup(path: str, n_skus: int) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(FLOOR_SQLITE_SCHEMA)
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO floor_stock VALUES (?, ?)", ((i, STOCK) for i in range(1, n_skus + 1))
    )
    db.execute("COMMIT")
    db.close()


def _sqlite_floor_txn(path: str, n_skus: int, lines: int) -> Any:
    db = sqlite3.connect(path, isolation_level=None)
    # the same settings as the shop's engine (ecommerce_sqlalchemy.storage)
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        "busy_timeout=5000",
    ):
        db.execute(f"PRAGMA {pragma}")
    lines_sql = (
        "INSERT INTO floor_order_lines (order_id, sku_id, qty, unit_price_cents) VALUES "
        + (", ".join(["(?, ?, ?, ?)"] * lines))
    )

    def txn() -> None:
        skus = sorted(random.sample(range(1, n_skus + 1), lines))
        cust = random.randint(1, 1_000_000)
        p = random.randint(100, 10_000)
        db.execute("BEGIN IMMEDIATE")
        for s in skus:
            updated = db.execute(
                "UPDATE floor_stock SET qty = qty - ? WHERE sku_id = ? AND qty >= ?", (1, s, 1)
            )
            if updated.rowcount != 1:
                db.execute("ROLLBACK")
                raise RuntimeError("out of stock")
        oid = db.execute(
            "INSERT INTO floor_orders (customer_id, total_cents) VALUES (?, ?)", (cust, lines * p)
        ).lastrowid
        params: list[int | None] = []
        for s in skus:
            params += [oid, s, 1, p]
        db.execute(lines_sql, params)
        payload = {"order_id": oid, "customer_id": cust, "total_cents": lines * p}
        db.execute(
            "INSERT INTO floor_outbox (topic, payload) VALUES (?, ?)",
            ("order.placed", json.dumps(payload)),
        )
        db.execute("COMMIT")

    return txn


def _pg_floor_txn(conninfo: str, n_skus: int, lines: int) -> Any:
    import psycopg
    from psycopg.types.json import Jsonb

    conn = psycopg.connect(conninfo)
    cur = conn.cursor()
    lines_sql = (
        "INSERT INTO floor_order_lines (order_id, sku_id, qty, unit_price_cents) VALUES "
        + (", ".join(["(%s, %s, %s, %s)"] * lines))
    )

    def txn() -> None:
        skus = sorted(random.sample(range(1, n_skus + 1), lines))
        cust = random.randint(1, 1_000_000)
        p = random.randint(100, 10_000)
        for s in skus:
            cur.execute(
                "UPDATE floor_stock SET qty = qty - %s WHERE sku_id = %s AND qty >= %s", (1, s, 1)
            )
            if cur.rowcount != 1:
                conn.rollback()
                raise RuntimeError("out of stock")
        cur.execute(
            "INSERT INTO floor_orders (customer_id, total_cents) VALUES (%s, %s) RETURNING id",
            (cust, lines * p),
        )
        row = cur.fetchone()
        assert row is not None
        oid = row[0]
        params: list[int] = []
        for s in skus:
            params += [oid, s, 1, p]
        cur.execute(lines_sql, params)
        payload = {"order_id": oid, "customer_id": cust, "total_cents": lines * p}
        cur.execute(
            "INSERT INTO floor_outbox (topic, payload) VALUES (%s, %s)",
            ("order.placed", Jsonb(payload)),
        )
        conn.commit()

    return txn


def floor_worker(backend: str, target: str, cfg: dict[str, Any], barrier: Any, out: Any) -> None:
    try:
        random.seed(secrets.randbits(64))
        make = _sqlite_floor_txn if backend == "sqlite" else _pg_floor_txn
        txn = make(target, cfg["skus"], cfg["lines"])
        t_end = time.perf_counter() + 0.3  # warm-up (psycopg prepares after 5 executions)
        while time.perf_counter() < t_end:
            txn()
        barrier.wait()
        lat = []
        c0 = time.process_time()
        t0 = now = time.perf_counter()
        t_end = t0 + cfg["seconds"]
        while now < t_end:
            txn()
            t = time.perf_counter()
            lat.append(t - now)
            now = t
        out.put(
            (
                "ok",
                {
                    "orders": len(lat),
                    "timed": now - t0,
                    "cpu": time.process_time() - c0,
                    "lat": lat,
                },
            )
        )
    except BaseException:
        barrier.abort()
        out.put(("error", traceback.format_exc()))


# -- running ---------------------------------------------------------------------------------
def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile, p in [0, 100] (as limits/common.py)."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100.0 * len(s) + 0.5) - 1))
    return s[k]


def _collect(procs: list[Any], out: Any) -> list[dict[str, Any]]:
    results, errors = [], []
    for _ in procs:
        status, value = out.get(timeout=600)
        (results if status == "ok" else errors).append(value)
    for p in procs:
        p.join(timeout=60)
    if errors:
        raise RuntimeError("a worker failed:\n" + errors[0])
    return results


def run_ours(url: str, customers: list[str], procs: int, cfg: dict[str, Any]) -> dict[str, Any]:
    ctx = mp.get_context("fork")
    barrier, walls, out = ctx.Barrier(procs), ctx.Array("d", procs), ctx.Queue()
    batch = cfg["batch"]
    workers = [
        ctx.Process(
            target=ours_worker,
            args=(url, i, customers[i * batch : (i + 1) * batch], cfg, barrier, walls, out),
        )
        for i in range(procs)
    ]
    for w in workers:
        w.start()
    res = _collect(workers, out)
    n = sum(r["orders"] for r in res)
    timed = res[0]["timed"]  # the same sum of phase walls in every worker
    lat = [x for r in res for x in r["lat"]]
    pay_lat = [x for r in res for x in r["pay_lat"]]
    statements: dict[str, Counter[str]] = {}
    calls: Counter[str] = Counter()
    for r in res:
        calls.update(r["calls"])
        for k, v in r["statements"].items():
            statements.setdefault(k, Counter()).update(v)
    return {
        "orders_per_s": n / timed,
        "p50_ms": pct(lat, 50) * 1000,
        "p99_ms": pct(lat, 99) * 1000,
        "orders": n,
        "client_cpu_us_per_order": sum(r["cpu"] for r in res) / n * 1e6,
        "flow_orders_per_s": n / max(r["flow"] for r in res),
        "pay_p50_ms": pct(pay_lat, 50) * 1000 if pay_lat else None,
        "pay_p99_ms": pct(pay_lat, 99) * 1000 if pay_lat else None,
        "_statements": statements,
        "_calls": calls,
    }


def run_floor(backend: str, target: str, procs: int, cfg: dict[str, Any]) -> dict[str, Any]:
    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(procs), ctx.Queue()
    workers = [
        ctx.Process(target=floor_worker, args=(backend, target, cfg, barrier, out))
        for _ in range(procs)
    ]
    for w in workers:
        w.start()
    res = _collect(workers, out)
    n = sum(r["orders"] for r in res)
    lat = [x for r in res for x in r["lat"]]
    return {
        "orders_per_s": n / max(r["timed"] for r in res),
        "p50_ms": pct(lat, 50) * 1000,
        "p99_ms": pct(lat, 99) * 1000,
        "orders": n,
        "client_cpu_us_per_order": sum(r["cpu"] for r in res) / n * 1e6,
    }


class SqliteBackend:
    name = "sqlite"

    def __init__(self, directory: str) -> None:
        self.path = os.path.join(directory, "shop.sqlite")
        self.floor_path = os.path.join(directory, "floor.sqlite")
        self.url = f"sqlite:///{self.path}"

    def setup(self, n_skus: int) -> None:
        for path in (self.path, self.floor_path):
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
        floor_sqlite_setup(self.floor_path, n_skus)

    @property
    def floor_target(self) -> str:
        return self.floor_path

    def maintenance(self) -> None:
        for path in (self.path, self.floor_path):
            db = sqlite3.connect(path, isolation_level=None)
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.close()

    def info(self) -> dict[str, Any]:
        return {"sqlite_version": sqlite3.sqlite_version, "journal_mode": "wal"}


class PostgresBackend:
    name = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = url
        u = sa.engine.make_url(url)
        if u.get_backend_name() != "postgresql" or not u.database:
            raise SystemExit(f"--pg-url must name a PostgreSQL database: {url}")
        self.database = u.database
        parts = {"host": u.host, "port": u.port, "user": u.username, "password": u.password}
        self.server = " ".join(f"{k}={v}" for k, v in parts.items() if v is not None)
        self.conninfo = f"{self.server} dbname={self.database}"

    def _admin(self, *statements: str, db: str = "postgres") -> list[Any]:
        import psycopg

        rows = []
        with psycopg.connect(f"{self.server} dbname={db}", autocommit=True) as conn:
            for statement in statements:
                cur = conn.execute(statement)  # type: ignore[arg-type]
                rows.append(cur.fetchall() if cur.description else None)
        return rows

    def setup(self, n_skus: int) -> None:
        if self.database in ("postgres", "template0", "template1"):
            raise SystemExit("--pg-url must name a database this benchmark may drop")
        self._admin(
            f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)',
            f'CREATE DATABASE "{self.database}"',
        )
        self._admin(
            FLOOR_PG_SCHEMA, FLOOR_PG_HISTORY.format(stock=STOCK, skus=n_skus), db=self.database
        )

    @property
    def floor_target(self) -> str:
        return self.conninfo

    def maintenance(self) -> None:
        self._admin("VACUUM ANALYZE", "CHECKPOINT", db=self.database)

    def info(self) -> dict[str, Any]:
        version = self._admin("SHOW server_version", "SHOW synchronous_commit")
        return {"server_version": version[0][0][0], "synchronous_commit": version[1][0][0]}


def _median(rounds: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in rounds if r.get(key) is not None]
    return statistics.median(values) if values else None


def _per_call(statements: dict[str, Counter[str]], calls: Counter[str]) -> dict[str, Any]:
    result = {}
    for name, counts in statements.items():
        if calls.get(name):
            by_kind = {k: round(v / calls[name], 2) for k, v in sorted(counts.items())}
            result[name] = {
                "total": round(sum(counts.values()) / calls[name], 2),
                "by_kind": by_kind,
                "calls": calls[name],
            }
    return result


def _option(text: str) -> tuple[str, Any]:
    key, _, value = text.partition("=")
    if value.lower() in ("true", "false"):
        return key, value.lower() == "true"
    return key, int(value) if value.lstrip("-").isdigit() else value


def log(quiet: bool, message: str) -> None:
    print(message, file=sys.stderr if quiet else sys.stdout, flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--backends", default="sqlite,postgresql", help="sqlite,postgresql")
    ap.add_argument("--procs", default="1,4", help="process counts, e.g. 1,2,4,8")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per process count (median)")
    ap.add_argument("--seconds", type=float, default=2.0, help="timed seconds per round and side")
    ap.add_argument(
        "--batch", type=int, default=20, help="customers (orders per phase) per process"
    )
    ap.add_argument("--skus", type=int, default=200, help="SKUs in the catalog (and the floor)")
    ap.add_argument("--lines", type=int, default=5, help="lines per order")
    ap.add_argument("--pay", action="store_true", help="also pay each order (sandbox gateway)")
    ap.add_argument(
        "--pg-url", default=os.environ.get("ECOMMERCE_BENCH_POSTGRES_URL", DEFAULT_PG_URL)
    )
    ap.add_argument("--dir", help="directory of the SQLite files (default: a new temporary one)")
    ap.add_argument(
        "--storage-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a storage option of the benchmarked shop, e.g. pool_pre_ping=false (repeatable)",
    )
    ap.add_argument("--json", action="store_true", help="print exactly one JSON object of figures")
    a = ap.parse_args(argv)
    procs_list = [int(p) for p in a.procs.split(",") if p]
    backends = [b for b in a.backends.split(",") if b]
    if a.lines > a.skus:
        ap.error("--lines cannot exceed --skus")
    cfg = {
        "seconds": a.seconds,
        "batch": a.batch,
        "skus": a.skus,
        "lines": a.lines,
        "pay": a.pay,
        "storage_options": dict(_option(o) for o in a.storage_option),
    }
    started = datetime.now(UTC)
    report: dict[str, Any] = {
        "benchmark": "place_order",
        "date": started.isoformat(timespec="seconds"),
        "command": " ".join([os.path.basename(sys.executable), *sys.argv]),
        "config": {**cfg, "rounds": a.rounds, "procs": procs_list, "backends": backends},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "sqlalchemy": sa.__version__,
            "platform": platform.platform(),
        },
        "results": {},
        "statements_per_call": {},
    }
    with tempfile.TemporaryDirectory(prefix="ecommerce-bench-") as tmp:
        for name in backends:
            if name == "sqlite":
                backend: Any = SqliteBackend(a.dir or tmp)
                if a.dir:
                    os.makedirs(a.dir, exist_ok=True)
            elif name in ("postgresql", "postgres"):
                backend = PostgresBackend(a.pg_url)
            else:
                ap.error(f"unknown backend {name}")
            log(a.json, f"[{backend.name}] seeding {a.skus} SKUs ...")
            t0 = time.perf_counter()
            backend.setup(a.skus)
            # enough stock that nothing runs out even at 5,000 orders/s, with a margin of 2
            orders = 5_000 * a.rounds * len(procs_list) * (a.seconds + 1) + 5 * sum(procs_list)
            units = int(2 * orders * a.lines / a.skus) + 1
            customers = seed_shop(backend.url, a.skus, max(procs_list) * a.batch, units)
            log(a.json, f"[{backend.name}] seeded in {time.perf_counter() - t0:.1f} s")
            figures: dict[str, Any] = {"info": backend.info(), "procs": {}}
            statements: dict[str, Counter[str]] = {}
            calls: Counter[str] = Counter()
            # rounds outermost: a drift of the machine's speed hits every process count alike
            by_procs: dict[int, list[dict[str, Any]]] = {procs: [] for procs in procs_list}
            for r in range(a.rounds):
                for procs in procs_list:
                    sides = ("ours", "floor") if r % 2 == 0 else ("floor", "ours")
                    one: dict[str, Any] = {}
                    for side in sides:
                        backend.maintenance()
                        if side == "ours":
                            one["ours"] = run_ours(backend.url, customers, procs, cfg)
                            for k, v in one["ours"].pop("_statements").items():
                                statements.setdefault(k, Counter()).update(v)
                            calls.update(one["ours"].pop("_calls"))
                        else:
                            one["floor"] = run_floor(backend.name, backend.floor_target, procs, cfg)
                    one["ratio"] = one["ours"]["orders_per_s"] / one["floor"]["orders_per_s"]
                    by_procs[procs].append(one)
                    log(
                        a.json,
                        f"[{backend.name}] round {r + 1}/{a.rounds} procs {procs}: ours "
                        f"{one['ours']['orders_per_s']:.0f}/s, floor "
                        f"{one['floor']['orders_per_s']:.0f}/s ({one['ratio']:.2f})",
                    )
            for procs, rounds in by_procs.items():
                figures["procs"][str(procs)] = {
                    "ours": {
                        k: _median([x["ours"] for x in rounds], k)
                        for k in (
                            "orders_per_s",
                            "p50_ms",
                            "p99_ms",
                            "client_cpu_us_per_order",
                            "flow_orders_per_s",
                            "pay_p50_ms",
                            "pay_p99_ms",
                        )
                    },
                    "floor": {
                        k: _median([x["floor"] for x in rounds], k)
                        for k in ("orders_per_s", "p50_ms", "p99_ms", "client_cpu_us_per_order")
                    },
                    "ratio": statistics.median(x["ratio"] for x in rounds),
                    "rounds": rounds,
                }
            report["results"][backend.name] = figures
            report["statements_per_call"][backend.name] = _per_call(statements, calls)
    report["elapsed_s"] = round((datetime.now(UTC) - started).total_seconds(), 1)
    if a.json:
        print(json.dumps(report, indent=1))
    else:
        print_table(report)
    return 0


def print_table(report: dict[str, Any]) -> None:
    c = report["config"]
    print()
    print(
        f"place_order, {c['lines']} lines, {c['skus']} SKUs, {c['rounds']} rounds x "
        f"{c['seconds']} s per side, {report['date']} (medians over rounds)"
        + (f", storage options {c['storage_options']}" if c["storage_options"] else "")
    )
    head = (
        f"{'backend':<11}{'procs':>5} | {'ours/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'cpu us':>8} | "
        f"{'floor/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'cpu us':>8} | {'ours/floor':>10}"
    )
    print(head)
    print("-" * len(head))
    for name, figures in report["results"].items():
        for procs, f in figures["procs"].items():
            o, fl = f["ours"], f["floor"]
            print(
                f"{name:<11}{procs:>5} | {o['orders_per_s']:>8.0f}{o['p50_ms']:>8.2f}"
                f"{o['p99_ms']:>8.2f}{o['client_cpu_us_per_order']:>8.0f} | "
                f"{fl['orders_per_s']:>8.0f}{fl['p50_ms']:>8.2f}{fl['p99_ms']:>8.2f}"
                f"{fl['client_cpu_us_per_order']:>8.0f} | {f['ratio']:>10.2f}"
            )
    print()
    print("SQL statements per call (before_cursor_execute; an executemany counts once)")
    for name, per_call in report["statements_per_call"].items():
        for call, s in per_call.items():
            kinds = ", ".join(f"{k} {v:g}" for k, v in s["by_kind"].items())
            print(f"  {name:<11}{call:<12}{s['total']:>6g}  ({kinds})")


if __name__ == "__main__":
    sys.exit(main())
