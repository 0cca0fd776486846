"""Figures worked out from the summaries, kept for a short while so that every public page showing them does not
work them out again: the borough's measures over a year behind each ward and neighbourhood page, the borough's
24-month trend beside each ward's. No Flask here.

A cache lives on the app (``FIGURES_CACHE_SECONDS``, 60 by default; 0 turns it off) and reaches the gis
functions through ``session.info["figures"]``, as the links do: a session without one (tests, scripts, the
worker's own sessions when the setting is 0) always works the figures out. Figures are at most that old (the
pages say so); every page reading the cache shows the same figures, so pages still agree with each other.
Only calls for the present moment are kept (``now`` not given): a figure asked for at a chosen moment is always
worked out."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Hashable

from sqlalchemy.orm import Session

INFO_KEY = "figures"


class FigureCache:
    """At most ``size`` figures, each for ``seconds``; thread-safe (one lock, held only to look up and store:
    two threads missing the same key at once both work it out, and the later one is kept)."""

    def __init__(self, seconds: float, size: int = 256, clock: Callable[[], float] = time.monotonic):
        self.seconds, self.size, self.clock = seconds, size, clock
        self._items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        now = self.clock()
        with self._lock:
            found = self._items.get(key)
            if found is not None and now - found[0] < self.seconds:
                self._items.move_to_end(key)
                self.hits += 1
                return found[1]
            self.misses += 1
        value = compute()
        with self._lock:
            self._items[key] = (now, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def cached(session: Session, key: Hashable, compute: Callable[[], Any]) -> Any:
    """``compute()``, or its value kept by the session's cache under ``key`` (callers must not change it)."""
    cache: FigureCache | None = session.info.get(INFO_KEY)
    return compute() if cache is None else cache.get(key, compute)
