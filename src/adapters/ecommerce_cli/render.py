"""Rich tables for what the CLI shows: products, carts, orders, payments, parcels, stock, plugins."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from rich import box
from rich.markup import escape
from rich.table import Table

from ecommerce_core.domain.catalog import Product
from ecommerce_core.domain.inventory import StockLevel, Warehouse
from ecommerce_core.domain.orders import Order
from ecommerce_core.domain.payments import Payment
from ecommerce_core.domain.shipping import TrackingEvent
from ecommerce_core.services.carts import CartView

__all__ = [
    "cart_table",
    "discounts_table",
    "notification_table",
    "order_table",
    "payments_table",
    "plugins_table",
    "products_table",
    "stock_table",
    "timeline_table",
    "tracking_table",
]


def _table(title: str, *columns: str, right: Iterable[str] = ()) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAVY, title_justify="left", expand=False)
    aligned = set(right)
    for column in columns:
        table.add_column(column, justify="right" if column in aligned else "left")
    return table


def _when(at: datetime) -> str:
    return f"{at:%m-%d %H:%M}"


def products_table(title: str, products: Sequence[Product]) -> Table:
    table = _table(title, "Product", "产品", "SKU", "Variant", "Price", right=["Price"])
    for product in products:
        for index, variant in enumerate(product.variants):
            table.add_row(
                escape(product.name("en")) if index == 0 else "",
                escape(product.name("zh")) if index == 0 else "",
                variant.sku,
                escape(", ".join(variant.attributes.values())) or "-",
                str(variant.price),
            )
    return table


def cart_table(view: CartView, chinese: CartView | None = None) -> Table:
    """The cart priced live, each item named in English and (when given) Chinese."""
    columns = ["Item / 商品", "Qty", "Unit price", "Discount", "Total"]
    table = _table("Cart / 购物车", *columns, right=columns[1:])
    for line in view.pricing.lines:
        name = escape(view.names.get(line.sku, line.sku))
        if chinese is not None:
            name += f"\n[dim]{escape(chinese.names.get(line.sku, ''))}[/]"
        table.add_row(
            name,
            str(line.quantity),
            str(line.unit_price),
            f"-{line.discount}" if line.discount else "",
            str(line.total),
        )
    pricing = view.pricing
    table.add_section()
    table.add_row("Subtotal / 小计", "", "", "", str(pricing.subtotal))
    table.add_row("Discount / 优惠", "", "", "", f"-{pricing.discount}")
    table.add_row("[bold]Total / 合计[/]", "", "", "", f"[bold]{pricing.total}[/]")
    return table


def discounts_table(view: CartView) -> Table:
    """Where each discount of the cart came from (the breakdown explains itself)."""
    table = _table("Discounts", "SKU", "Amount", "Given by", right=["Amount"])
    for line in view.pricing.lines:
        for adjustment in line.adjustments:
            table.add_row(
                line.sku, f"-{adjustment.amount}", escape(f"{adjustment.source} {adjustment.label}")
            )
    return table


def order_table(order: Order) -> Table:
    columns = ["Item", "Qty", "Unit price", "Discount", "Total"]
    table = _table(f"Order {order.number} ({order.status})", *columns, right=columns[1:])
    for line in order.lines:
        table.add_row(
            f"{escape(line.name)}\n[dim]{line.sku}[/]",
            str(line.quantity),
            str(line.unit_price),
            f"-{line.discount}" if line.discount else "",
            str(line.total),
        )
    table.add_section()
    table.add_row("[bold]Total[/]", "", "", f"-{order.discount}", f"[bold]{order.total}[/]")
    address = order.shipping_address
    if address is not None:
        table.caption = escape(f"Ship to {address.name}, {address.line1}, {address.city}")
        table.caption_justify = "left"
    return table


def timeline_table(order: Order) -> Table:
    table = _table(f"Timeline of order {order.number}", "When (UTC)", "Status", "Note")
    for change in order.history:
        table.add_row(_when(change.at), str(change.status), escape(change.note))
    return table


def payments_table(payments: Sequence[Payment]) -> Table:
    columns = ["Payment", "Gateway", "Amount", "Status", "Provider reference"]
    table = _table("Payments / 支付", *columns, right=["Amount"])
    for column in (table.columns[0], table.columns[-1]):
        column.overflow = "fold"
    for payment in payments:
        table.add_row(
            payment.id,
            payment.gateway,
            str(payment.amount),
            payment.status.value,
            payment.provider_ref,
        )
    return table


def notification_table() -> Table:
    """An empty table the demo fills with what became of each notification it sends."""
    return _table("Notifications received", "Attempt", "Result", "Event / reason")


def tracking_table(tracking_number: str, events: Sequence[TrackingEvent]) -> Table:
    table = _table(f"Parcel {tracking_number}", "When (UTC)", "Status", "Event", "Where")
    for event in events:
        table.add_row(
            _when(event.at), event.status.value, escape(event.description), escape(event.location)
        )
    return table


def stock_table(
    levels: Sequence[StockLevel], warehouses: Sequence[Warehouse], title: str = "Stock levels"
) -> Table:
    names = {w.id: w.name for w in warehouses}
    columns = ["SKU", "Warehouse", "On hand", "Reserved", "Available"]
    table = _table(title, *columns, right=columns[2:])
    for level in levels:
        table.add_row(
            level.sku,
            escape(names.get(level.warehouse_id, level.warehouse_id)),
            str(level.on_hand),
            str(level.reserved),
            str(level.available),
        )
    return table


def _provides(offers: Sequence[dict[str, Any]]) -> str:
    """One line per kind and description: ``storage sqlite, postgresql: ...``."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for offer in offers:
        grouped.setdefault((offer["kind"], offer["description"]), []).append(offer["name"])
    return "\n".join(
        f"{kind} [bold]{escape(', '.join(names))}[/]" + (f": {escape(text)}" if text else "")
        for (kind, text), names in grouped.items()
    )


def plugins_table(plugins: Sequence[dict[str, Any]]) -> Table:
    table = _table("Installed ecommerce_core plugins", "Plugin", "Distribution", "Provides")
    for plugin in plugins:
        dist = plugin["distribution"]
        table.add_row(
            escape(plugin["name"]),
            escape(f"{dist['name']} {dist['version']}") if dist else "-",
            _provides(plugin["offers"]) or "[dim](no registrations)[/]",
        )
    return table
