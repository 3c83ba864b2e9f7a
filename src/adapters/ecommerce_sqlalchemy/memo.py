"""Domain objects remembered by the exact content of the rows they were built from.

Building a product from its rows validates every field again (names, SKUs, money): about a tenth
of a millisecond each, paid for every product of a cart on every pricing. The catalog rows a
pricing reads are the same from one call to the next, so a storage remembers the objects it built
for them, keyed by the rows' full content: a row changed in any way (by the shop or by hand) is a
new key, and is validated (and refused as ``CorruptData``) like any other. The objects are frozen
values, equal to what a fresh build would give. Only the pricing reads use it (``get_by_skus``,
``lineage``): objects handed to an application are always built afresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

__all__ = ["RowMemo", "frozen"]

T = TypeVar("T")


def frozen(value: Any) -> Hashable:
    """A hashable stand-in for a column's value (JSON columns hold dicts and lists)."""
    if isinstance(value, Mapping):
        return tuple(sorted((k, frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(frozen(v) for v in value)
    return value  # type: ignore[no-any-return]


class RowMemo:
    """A bounded map from row content to the object built from it (one per storage)."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._items: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        if self._size <= 0:
            return build()
        found = self._items.get(key)
        if found is None:
            found = build()  # raises CorruptData for a row the domain refuses: nothing kept
            with self._lock:
                if len(self._items) >= self._size:
                    self._items.clear()  # a catalog larger than the memo: start over
                self._items[key] = found
        return found

    def __len__(self) -> int:
        return len(self._items)
