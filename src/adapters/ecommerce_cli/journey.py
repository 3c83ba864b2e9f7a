"""The customer's journey of the demo, told step by step: browse, cart, order, pay, parcel, done."""

from __future__ import annotations

from datetime import timedelta

import attrs
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table

from ecommerce_cli import render
from ecommerce_cli.seed import DemoShop
from ecommerce_core import EcommerceError, Shop
from ecommerce_core.defaults import FixedClock
from ecommerce_core.domain.orders import Order
from ecommerce_core.domain.payments import Payment
from ecommerce_sandboxpay import SandboxGateway, SandboxPaySettings

__all__ = ["ADDRESS", "Journey"]

ADDRESS = {
    "name": "李雷 Li Lei",
    "line1": "科苑路 1 号 (1 Keyuan Road)",
    "city": "深圳 Shenzhen",
    "region": "广东 Guangdong",
    "postal_code": "518000",
    "country": "CN",
}
# hours after shipping at which the customer looks at the parcel (the sandbox's takes 30 hours)
TRACKING_CHECKS = (3, 9, 27, 31)


@attrs.define
class Journey:
    shop: Shop
    clock: FixedClock
    demo: DemoShop
    console: Console

    def step(self, title: str) -> None:
        self.console.print()
        self.console.print(Rule(f"[bold]{title}[/]", align="left"))

    def browse(self) -> None:
        self.step("1. The customer browses the phones / 浏览手机")
        who = self.demo.customer
        tree = Table.grid(padding=(0, 2))
        for category in self.shop.catalog.list_categories(who):
            indent = "  " if category.parent_id else ""
            tree.add_row(indent + escape(category.name("en")), escape(category.name("zh")))
        self.console.print(Panel(tree, title="Categories / 分类", expand=False))
        phones = self.demo.categories["phones"]
        products = sorted(
            self.shop.catalog.list_products(who, category_id=phones.id), key=lambda p: p.slug
        )
        self.console.print(render.products_table("Phones / 手机", products))

    def fill_cart(self) -> None:
        self.step("2. Into the cart, priced live / 加入购物车")
        who = self.demo.customer
        self.shop.carts.add_item(who, "AX1-256-BLK", 1)
        self.shop.carts.add_item(who, "CABLE-C-1M", 2)
        view = self.shop.carts.add_item(who, "CHG-65W", 1)
        chinese = self.shop.carts.view(who, locale="zh")
        self.console.print(render.cart_table(view, chinese))
        self.console.print(render.discounts_table(view))

    def place_order(self) -> Order:
        self.step("3. Checkout / 下单")
        who = self.demo.customer
        quote = self.shop.checkout.quote(who)
        self.console.print(f"Quoted total: [bold]{quote.total}[/]")
        order = self.shop.checkout.place_order(
            who, idempotency_key="demo-checkout-1", shipping_address=ADDRESS
        )
        again = self.shop.checkout.place_order(
            who, idempotency_key="demo-checkout-1", shipping_address=ADDRESS
        )
        self.console.print(render.order_table(order))
        same = "the same order" if again.id == order.id else "ANOTHER ORDER (a bug)"
        self.console.print(f"Placing it again with the same idempotency key gives {same}.")
        admin = self.demo.admin
        held = [
            level
            for line in order.lines
            for level in self.shop.inventory.levels(admin, line.sku)
            if level.reserved
        ]
        warehouses = self.shop.inventory.list_warehouses(admin)
        self.console.print(render.stock_table(held, warehouses, title="Stock held for the order"))
        return order

    def pay(self, order: Order) -> Payment:
        self.step("4. Payment with the sandbox gateway / 支付")
        payment = self.shop.payments.pay(
            self.demo.customer,
            order.id,
            payment_method="tok_visa",
            idempotency_key=f"demo-pay-{order.number}",
        )
        self.console.print(render.payments_table([payment]))
        status = self.shop.orders.get(self.demo.customer, order.id).status
        self.console.print(f"The order is now [bold]{status}[/].")
        return payment

    def notifications(self, payment: Payment) -> None:
        """The provider's signed webhook: verified, applied once, and a forgery refused."""
        self.step("5. The provider's signed notification / 异步通知")
        settings = self.shop.settings.gateways.get("sandbox", {})
        provider = SandboxGateway(SandboxPaySettings.from_mapping(settings))
        headers, body = provider.build_notification(
            "payment.captured",
            payment.provider_ref,
            payment.amount,
            event_id=f"evt_{payment.id}",
            at=self.clock.now(),
        )
        tampered = body.replace(b"payment.captured", b"payment.failed")
        table = render.notification_table()
        for label, raw in (("delivered", body), ("replayed", body), ("tampered", tampered)):
            try:
                result = self.shop.payments.handle_notification("sandbox", headers, raw)
                table.add_row(label, result.status, result.event_id)
            except EcommerceError as error:
                table.add_row(label, f"refused: {error.code}", escape(error.message))
        self.console.print(table)
        self.console.print(
            "The payment was already captured, so the genuine notification changes nothing; "
            "its replay is recognised by its event id, and a body altered after signing is refused."
        )

    def ship_and_track(self, order: Order) -> None:
        self.step("6. Shipping with the sandbox carrier / 发货与物流")
        shipment = self.shop.shipping.ship(self.demo.admin, order.id)
        self.console.print(f"Booked parcel [bold]{shipment.tracking_number}[/] with sandbox.")
        shipped_at = self.clock.now()
        shipments = []
        for hours in TRACKING_CHECKS:
            self.clock.advance(shipped_at + timedelta(hours=hours) - self.clock.now())
            shipments = self.shop.shipping.track(self.demo.customer, order.id)
            latest = shipments[0].events[-1]
            status = self.shop.orders.get(self.demo.customer, order.id).status
            self.console.print(
                f"  +{hours:>2} h  {latest.status.value:<16} {escape(latest.description)}"
                f"  (order {status})"
            )
        self.console.print(render.tracking_table(shipment.tracking_number, shipments[0].events))

    def complete(self, order: Order) -> Order:
        self.step("7. The shop closes the delivered order / 完成订单")
        done = self.shop.orders.complete(self.demo.admin, order.id)
        self.console.print(f"Order {done.number} moved to [bold]{done.status}[/].")
        return done

    def run(self) -> Order:
        self.browse()
        self.fill_cart()
        order = self.place_order()
        payment = self.pay(order)
        self.notifications(payment)
        self.ship_and_track(order)
        return self.complete(order)
