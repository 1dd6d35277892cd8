"""A per-chat flood guard: one person sending too much cannot starve everyone else."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Final, Literal

FLOOD_LIMIT: Final = 20  # updates per chat ...
FLOOD_WINDOW_SECONDS: Final = 10.0  # ... in this many seconds; beyond that, a polite pause
MAX_TRACKED_CHATS: Final = 10_000

Verdict = Literal["ok", "warn", "drop"]


@dataclass
class FloodGuard:
    """Counts a chat's recent updates so one person flooding cannot starve everyone else."""

    limit: int = FLOOD_LIMIT
    window: float = FLOOD_WINDOW_SECONDS
    _seen: dict[int, deque[float]] = field(default_factory=dict)
    _warned: dict[int, float] = field(default_factory=dict)

    def check(self, chat_id: int, now: float | None = None) -> Verdict:
        """'ok' to process, 'warn' to say "slow down" once, 'drop' to ignore quietly."""
        moment = time.monotonic() if now is None else now
        if len(self._seen) > MAX_TRACKED_CHATS:
            self._forget_quiet_chats(moment)
        seen = self._seen.setdefault(chat_id, deque())
        while seen and seen[0] <= moment - self.window:
            seen.popleft()
        if len(seen) < self.limit:
            seen.append(moment)
            return "ok"
        warned = self._warned.get(chat_id)
        if warned is not None and warned > moment - self.window:
            return "drop"
        self._warned[chat_id] = moment
        return "warn"

    def _forget_quiet_chats(self, moment: float) -> None:
        """Drop chats with nothing in the window, so memory does not grow with every chat."""
        limit = moment - self.window
        for chat_id in [c for c, seen in self._seen.items() if not seen or seen[-1] <= limit]:
            del self._seen[chat_id]
            self._warned.pop(chat_id, None)
