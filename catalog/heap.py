"""What building and freeing big structures needs so that the bot keeps answering meanwhile:
the garbage collector paused (and what is built frozen), and freeing in pieces."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_PAUSES = threading.Lock()
_paused = 0  # how many threads are inside gc_paused (the collector is one for the process)
_was_enabled = True
FREEZE_AFTER = 10_000  # new tracked objects alive at the end of a pause: freeze them (see below)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects at once.

    Reading a 10,000-service catalogue creates about a million objects that all stay alive;
    collections triggered meanwhile find nothing to free and triple the time. Each collection
    also holds the GIL from start to end, so it stalls the bot's event loop (a second at
    country scale). When the pause ends with more than `FREEZE_AFTER` new objects alive (the
    first collection would walk them all: 50 ms for 100,000), everything alive is frozen
    (`gc.freeze`): a catalogue has no reference cycles and is freed by reference counting, so
    the collector never needs to walk it, neither at the end of the pause nor in a later full
    collection. Pauses in several threads nest: the collector resumes when the last one ends.
    """
    global _paused, _was_enabled
    with _PAUSES:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _PAUSES:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                if gc.get_count()[0] > FREEZE_AFTER:
                    gc.freeze()
                gc.enable()


FREE_PIECE = 100  # objects (with all they alone hold) dropped at a time by `free_in_pieces`


def free_in_pieces(pieces: list[object]) -> None:
    """Drop objects a hundred at a time, emptying the list.

    Freeing a big structure in one go is one long cascade of deallocations in C, which holds
    the GIL throughout (a quarter of a second for a country-scale catalogue): the bot's event
    loop waits. The caller holds the parts of the structure in `pieces`, drops the structure
    itself (cheap: its parts are still held), then calls this; other threads run in between.
    """
    while pieces:
        del pieces[-FREE_PIECE:]
