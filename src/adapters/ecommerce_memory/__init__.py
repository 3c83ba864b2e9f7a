"""In-memory storage for ecommerce-core: the reference adapter, for tests, demos and prototypes."""

from ecommerce_memory.storage import MemoryStorage

__all__ = ["MemoryStorage"]
