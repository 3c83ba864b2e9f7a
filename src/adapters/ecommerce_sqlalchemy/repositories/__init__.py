"""Repositories over one SQLAlchemy Connection (Core, not ORM: the domain objects are frozen).

Fast paths, none of which gives up a lock or a constraint:

* Statements are built once, at import, with bound parameters, so that each call costs a cache
  hit rather than building, compiling and hashing a new statement.
* An aggregate and its parts are read in one statement (an outer join) where that does not
  multiply rows by more than one child table; locked reads lock the aggregate's own row
  (``FOR UPDATE OF`` where the database has it).
* Several stock levels are written by one ``UPDATE`` (a ``CASE`` per column).
* On PostgreSQL an order or a reservation with all its rows is written by one statement
  (data-modifying ``WITH``, the child rows from arrays).
* A cart is one row (its lines a JSON column): read, locked (``SELECT ... FOR UPDATE``) and
  written by one statement each on every database; the repository knows from its own read
  whether a save is an ``UPDATE`` or an ``INSERT``.
* A repository lives as long as its unit of work (one transaction). It remembers what it read
  and wrote in that transaction: a cart read twice is read once; the number of an order's stored
  status changes and a payment's stored refunds are not read again before an update.
"""

from ecommerce_sqlalchemy.repositories.catalog import SqlCategories, SqlProducts
from ecommerce_sqlalchemy.repositories.customers import SqlCarts, SqlCustomers
from ecommerce_sqlalchemy.repositories.events import SqlNotifications, SqlOutbox
from ecommerce_sqlalchemy.repositories.inventory import SqlReservations, SqlStock, SqlWarehouses
from ecommerce_sqlalchemy.repositories.orders import SqlOrders
from ecommerce_sqlalchemy.repositories.payments import SqlPayments
from ecommerce_sqlalchemy.repositories.shipping import SqlShipments
from ecommerce_sqlalchemy.repositories.stock_ledger import SqlStockLedger
from ecommerce_sqlalchemy.repositories.stocktakes import SqlStocktakes

__all__ = [
    "SqlCarts",
    "SqlCategories",
    "SqlCustomers",
    "SqlNotifications",
    "SqlOrders",
    "SqlOutbox",
    "SqlPayments",
    "SqlProducts",
    "SqlReservations",
    "SqlShipments",
    "SqlStock",
    "SqlStockLedger",
    "SqlStocktakes",
    "SqlWarehouses",
]
