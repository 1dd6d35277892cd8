"""A small in-process cache whose entries expire (inline queries repeat as people type)."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any


class TtlCache:
    """A small in-process cache whose entries expire: inline queries repeat as people type."""

    def __init__(self, *, seconds: float, size: int = 512) -> None:
        self.seconds = seconds
        self.size = size
        self._entries: OrderedDict[tuple[str, ...], tuple[float, Any]] = OrderedDict()

    def get(self, key: tuple[str, ...]) -> Any | None:
        """The cached value, or None when missing or expired."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored, value = entry
        if time.monotonic() - stored > self.seconds:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: tuple[str, ...], value: Any) -> None:
        """Keep a value, forgetting the oldest entries beyond the size."""
        self._entries[key] = (time.monotonic(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
