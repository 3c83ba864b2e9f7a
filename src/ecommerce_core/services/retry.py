"""Bounded retry of a use case whose one transaction lost a race for a lock (INV-4).

Only for use cases that do all their work in a single unit of work: a ``Contention`` there means
nothing was written, so running the whole call again is safe. Attempts are bounded and spaced by
a short, jittered, growing pause, so a deadlock storm on MariaDB cannot spin forever.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from ecommerce_core.domain.errors import Contention

__all__ = ["retry_on_contention"]

F = TypeVar("F", bound=Callable[..., Any])


def retry_on_contention(method: F) -> F:
    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        attempts = 1 + self._ctx.settings.contention_retries
        for attempt in range(attempts):
            try:
                return method(self, *args, **kwargs)
            except Contention:
                if attempt + 1 >= attempts:
                    raise
                # jitter only spaces out retries; it decides nothing
                time.sleep(0.005 * (2**attempt) * (1 + random.random()))
        raise AssertionError("unreachable")

    return cast(F, run)
