"""ecommerce-core: a complete, correct and fast e-commerce back office, as a library.

Open a shop with :meth:`Shop.open` and call its services with the acting :class:`Principal`.
"""

from ecommerce_core.domain.errors import EcommerceError
from ecommerce_core.domain.money import Money
from ecommerce_core.domain.security import Principal, Role
from ecommerce_core.hookspecs import hookimpl
from ecommerce_core.services.context import ShopSettings
from ecommerce_core.shop import Shop

__all__ = ["EcommerceError", "Money", "Principal", "Role", "Shop", "ShopSettings", "hookimpl"]
__version__ = "0.1.0"
