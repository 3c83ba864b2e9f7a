"""The archive file: a zip holding ``manifest.json`` and one ``<kind>.jsonl`` per aggregate.

The manifest names the format, when and from what the archive was made, and each file's line
count and SHA-256. Reading verifies every checksum before returning anything, so a damaged or
edited archive is refused whole.

An archive written before a kind of data existed (an older version of the library) has neither
that kind's file nor its line in the manifest: the kind reads as empty, and
:attr:`Manifest.kinds` tells which kinds the archive holds. A kind the manifest names whose file
is missing is damage, and refused.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from ecommerce_core.archive.codec import decode, encode
from ecommerce_core.domain.aftersales import AfterSalesRequest
from ecommerce_core.domain.cart import Cart
from ecommerce_core.domain.catalog import Category, Product
from ecommerce_core.domain.complaints import Complaint
from ecommerce_core.domain.customers import Customer
from ecommerce_core.domain.errors import CorruptData, InvalidInput
from ecommerce_core.domain.events import DomainEvent, event_from_dict
from ecommerce_core.domain.group_buy import GroupBuy
from ecommerce_core.domain.inventory import Reservation, StockLevel, Warehouse
from ecommerce_core.domain.loyalty import Membership, PointsEntry
from ecommerce_core.domain.orders import Order
from ecommerce_core.domain.payments import Payment
from ecommerce_core.domain.pricing import Coupon, CouponClaim, CouponCode, Promotion, Redemption
from ecommerce_core.domain.shipping import Shipment
from ecommerce_core.domain.stock_control import Stocktake
from ecommerce_core.domain.stock_ledger import LedgerEntry

__all__ = ["FORMAT", "KINDS", "Manifest", "parents_first", "read_archive", "write_archive"]

FORMAT = "ecommerce-core-backup/1"

#: Every kind of stored data, in the order a restore writes it (parents first).
KINDS: dict[str, Any] = {
    "categories": Category,
    "products": Product,
    "warehouses": Warehouse,
    "stock": StockLevel,
    "stock_ledger": LedgerEntry,
    "stocktakes": Stocktake,
    "customers": Customer,
    "carts": Cart,
    "promotions": Promotion,
    "coupons": Coupon,
    "coupon_codes": CouponCode,
    "coupon_claims": CouponClaim,
    "group_buys": GroupBuy,
    "reservations": Reservation,
    "orders": Order,
    "payments": Payment,
    "shipments": Shipment,
    "memberships": Membership,
    "points_ledger": PointsEntry,
    "redemptions": Redemption,
    "aftersales_requests": AfterSalesRequest,
    "complaints": Complaint,
    "notifications": tuple[str, str],
    "outbox": None,  # (id, event): encoded by name and payload
    "deliveries": tuple[str, int],
}


@attrs.frozen
class Manifest:
    format: str
    created_at: datetime
    source: str
    counts: Mapping[str, int]
    checksums: Mapping[str, str] = attrs.field(repr=False)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def kinds(self) -> frozenset[str]:
        """The kinds of data the archive holds (an older archive holds fewer)."""
        return frozenset(self.checksums)


def parents_first(categories: Sequence[Category]) -> list[Category]:
    """Categories ordered so that each comes after its parent (then by id): restorable in order."""
    by_id = {c.id: c for c in categories}

    def depth(category: Category) -> int:
        seen, current, n = set(), category.parent_id, 0
        while current is not None and current in by_id and current not in seen:
            seen.add(current)
            current, n = by_id[current].parent_id, n + 1
        return n

    return sorted(categories, key=lambda c: (depth(c), c.id))


def _encode(kind: str, item: Any) -> Any:
    if kind == "outbox":
        event_id, event = item
        return {"id": event_id, "name": event.name, "payload": event.payload()}
    return encode(item)


def _decode(kind: str, data: Any) -> Any:
    if kind == "outbox":
        event: DomainEvent = event_from_dict(data["name"], dict(data["payload"]))
        return (int(data["id"]), event)
    return decode(KINDS[kind], data)


def write_archive(
    path: Path, data: Mapping[str, Sequence[Any]], *, source: str, at: datetime
) -> Manifest:
    """Write ``data`` (kind -> objects) to ``path``; the manifest of what was written."""
    counts: dict[str, int] = {}
    checksums: dict[str, str] = {}
    tmp = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for kind in KINDS:
            items = data.get(kind, [])
            body = "".join(
                json.dumps(_encode(kind, item), ensure_ascii=False, sort_keys=True) + "\n"
                for item in items
            ).encode()
            archive.writestr(f"{kind}.jsonl", body)
            counts[kind] = len(items)
            checksums[kind] = hashlib.sha256(body).hexdigest()
        manifest = Manifest(FORMAT, at, source, counts, checksums)
        archive.writestr("manifest.json", json.dumps(encode(manifest), indent=2, sort_keys=True))
    tmp.replace(path)  # a crash never leaves a half-written archive under the real name
    return manifest


def read_archive(path: Path) -> tuple[Manifest, dict[str, list[Any]]]:
    """The manifest and the objects of an archive, after every checksum has been verified."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InvalidInput(f"{path} is not a readable backup archive") from exc
    with archive:
        try:
            manifest = decode(Manifest, json.loads(archive.read("manifest.json")))
        except (KeyError, ValueError) as exc:
            raise CorruptData("the archive has no readable manifest") from exc
        if manifest.format != FORMAT:
            raise CorruptData(f"unknown archive format {manifest.format!r}")
        names = set(archive.namelist())
        unknown = set(manifest.checksums) - set(KINDS)
        if unknown:
            raise CorruptData(f"the archive holds unknown kinds: {', '.join(sorted(unknown))}")
        data: dict[str, list[Any]] = {}
        for kind in KINDS:
            if kind not in manifest.checksums and f"{kind}.jsonl" not in names:
                data[kind] = []  # written before this kind of data existed
                continue
            try:
                body = archive.read(f"{kind}.jsonl")
            except KeyError as exc:
                raise CorruptData(f"the archive lacks {kind}.jsonl") from exc
            if hashlib.sha256(body).hexdigest() != manifest.checksums.get(kind):
                raise CorruptData(f"{kind}.jsonl does not match its checksum", kind=kind)
            lines = [line for line in body.decode().splitlines() if line]
            if len(lines) != manifest.counts.get(kind):
                raise CorruptData(f"{kind}.jsonl does not hold the counted lines", kind=kind)
            data[kind] = [_decode(kind, json.loads(line)) for line in lines]
    return manifest, data
