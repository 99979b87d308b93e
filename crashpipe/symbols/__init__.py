"""Symbolization: a store of per-build symbol tables (symbols, DWARF line rows, inline
ranges) as memory-mapped arrays, vectorized lookups, and the pipeline stage that fills
report frames (`symbolize_reports`)."""
from __future__ import annotations

from crashpipe.symbols.names import normalize_symbol
from crashpipe.symbols.resolver import Resolver, open_elf
from crashpipe.symbols.store import SymbolStore
from crashpipe.symbols.symbolize import symbolize_reports

__all__ = ["Resolver", "SymbolStore", "open_elf", "normalize_symbol", "symbolize_reports"]
