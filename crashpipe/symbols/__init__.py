"""Symbolization: a store of per-build symbol tables (symbols, DWARF line rows, inline
ranges) as memory-mapped arrays, vectorized lookups, and the pipeline stage that fills
report frames (`symbolize_reports`)."""
from __future__ import annotations

from crashpipe.symbols.names import normalize_symbol
from crashpipe.symbols.resolver import Resolver, open_elf

__all__ = ["Resolver", "open_elf", "normalize_symbol"]
