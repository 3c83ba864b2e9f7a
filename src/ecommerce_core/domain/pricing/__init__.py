"""Pricing: prices, promotions, coupons and their stacking, shipping fees, points and tax, and the
explained breakdown of what a cart costs. Pure functions over data, exact to the minor unit.

The modules, in the order a pricing uses them: :mod:`.prices` (price lists), :mod:`.scope`,
:mod:`.rules` with :mod:`.conditions` and :mod:`.benefits` (rules as data plus a function),
:mod:`.promotions`, :mod:`.coupons`, :mod:`.stacking`, :mod:`.index`, :mod:`.apply`,
:mod:`.fees`, :mod:`.points`, :mod:`.tax`, :mod:`.result`, :mod:`.engine`, :mod:`.best`.
"""

from ecommerce_core.domain.pricing.best import CouponChoice, best_coupons
from ecommerce_core.domain.pricing.breakdown import (
    Adjustment,
    Gift,
    Hint,
    LinePrice,
    OrderAdjustment,
    PriceBreakdown,
    Rejection,
)
from ecommerce_core.domain.pricing.context import Buyer, PricingContext
from ecommerce_core.domain.pricing.coupons import (
    AppliedCode,
    Coupon,
    CouponClaim,
    CouponCode,
    CouponKind,
    format_code,
    normalize_code,
)
from ecommerce_core.domain.pricing.engine import PricingEngine, price_cart, price_items
from ecommerce_core.domain.pricing.fees import (
    CarrierRates,
    RateQuote,
    RateRequest,
    ShippingFees,
    ShippingRate,
    ShippingTable,
)
from ecommerce_core.domain.pricing.index import PromotionIndex
from ecommerce_core.domain.pricing.items import PriceableItem
from ecommerce_core.domain.pricing.points import PointsPolicy
from ecommerce_core.domain.pricing.policy import PricingPolicy, default_registry
from ecommerce_core.domain.pricing.prices import PriceBook, PriceBreak, PriceList, PriceListKind
from ecommerce_core.domain.pricing.promotions import Promotion
from ecommerce_core.domain.pricing.redemptions import Redemption, RedemptionKind
from ecommerce_core.domain.pricing.registry import RuleRegistry
from ecommerce_core.domain.pricing.rules import (
    Benefit,
    Condition,
    Effect,
    LineView,
    RuleView,
    Verdict,
)
from ecommerce_core.domain.pricing.scope import ItemFacts, Scope
from ecommerce_core.domain.pricing.stacking import StackingPolicy
from ecommerce_core.domain.pricing.tax import (
    TaxAnswer,
    TaxCalculator,
    TaxLine,
    TaxPolicy,
    TaxQuery,
    TaxRate,
)

__all__ = [
    "Adjustment",
    "AppliedCode",
    "Benefit",
    "Buyer",
    "CarrierRates",
    "Condition",
    "Coupon",
    "CouponChoice",
    "CouponClaim",
    "CouponCode",
    "CouponKind",
    "Effect",
    "Gift",
    "Hint",
    "ItemFacts",
    "LinePrice",
    "LineView",
    "OrderAdjustment",
    "PointsPolicy",
    "PriceBook",
    "PriceBreak",
    "PriceBreakdown",
    "PriceList",
    "PriceListKind",
    "PriceableItem",
    "PricingContext",
    "PricingEngine",
    "PricingPolicy",
    "Promotion",
    "PromotionIndex",
    "RateQuote",
    "RateRequest",
    "Redemption",
    "RedemptionKind",
    "Rejection",
    "RuleRegistry",
    "RuleView",
    "Scope",
    "ShippingFees",
    "ShippingRate",
    "ShippingTable",
    "StackingPolicy",
    "TaxAnswer",
    "TaxCalculator",
    "TaxLine",
    "TaxPolicy",
    "TaxQuery",
    "TaxRate",
    "Verdict",
    "best_coupons",
    "default_registry",
    "format_code",
    "normalize_code",
    "price_cart",
    "price_items",
]
