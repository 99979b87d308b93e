"""Compiler clone suffixes on symbol names.

gcc emits specialised copies of a function under suffixed names (`foo.isra.0`,
`foo.constprop.3`, `foo.part.1`, `foo.cold`, combinations such as
`foo.constprop.0.isra.0`, and llvm's `foo.llvm.123456`).  Frames keep the real name
(it is what the kernel printed and what the symbol table holds); bucketing and
comparisons use the normalized name so that one bug stays one bucket across builds
whose inlining decisions differ.
"""
from __future__ import annotations

# Suffix words that introduce a clone part, optionally followed by a number.
CLONE_SUFFIXES = ("isra", "constprop", "part", "cold", "llvm", "lto_priv", "localalias")


def normalize_symbol(name: str) -> str:
    """`foo.constprop.0.isra.0` -> `foo`; names without clone suffixes are unchanged.
    Cuts at the first `.WORD` component whose WORD is a known clone suffix, so names
    that merely contain a dot elsewhere keep it."""
    if not name or "." not in name:
        return name
    parts = name.split(".")
    for i in range(1, len(parts)):
        if parts[i] in CLONE_SUFFIXES:
            return ".".join(parts[:i]) or name
    return name
