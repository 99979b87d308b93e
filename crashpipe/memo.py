"""A bounded memo for the parser's per-distinct-value caches.

Logs repeat the same frame lines, symbol names and titles massively, so the parser
decides each distinct value once.  Input is untrusted: only short keys are kept (a
hostile log of unique 2 KiB lines must not grow memory), and a full cache is simply
emptied (cheaper than LRU bookkeeping, and the working set refills in one log).
"""
from __future__ import annotations

from typing import Any, Hashable, TypeVar

V = TypeVar("V")

MAX_ENTRIES = 1 << 15
MAX_KEY_LEN = 300  # longer than any frame line or title worth remembering


def remember(cache: dict[Any, Any], key: Hashable, value: V, key_len: int) -> V:
    """Store value under key when key_len is short enough; return value."""
    if key_len <= MAX_KEY_LEN:
        if len(cache) >= MAX_ENTRIES:
            cache.clear()
        cache[key] = value
    return value
