"""Function names as people write them, from the symbols kernels print: C++ (Itanium
ABI, `_Z...`) and Rust (v0 mangling, `_R...`), without parameters or crate hashes.

Only the parts of the grammars that name functions are read; anything else returns the
symbol unchanged (a title keeps the mangled name rather than a wrong one).  Work is
linear in the symbol: every step consumes input, back-references are followed at most
_MAX_DEPTH deep.
"""
from __future__ import annotations

_MAX_DEPTH = 32
_B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Rust v0 basic types.
_BASIC = {
    "a": "i8", "b": "bool", "c": "char", "d": "f64", "e": "str", "f": "f32", "h": "u8", "i": "isize",
    "j": "usize", "l": "i32", "m": "u32", "n": "i128", "o": "u128", "s": "i16", "t": "u16", "u": "()",
    "v": "...", "x": "i64", "y": "u64", "z": "!", "p": "_",
}


def demangle(name: str) -> str:
    if name.startswith("_R"):
        out = _rust(name)
    elif name.startswith("_Z"):
        out = _itanium(name)
    else:
        return name
    return out if out else name


def _itanium(name: str) -> str | None:
    """`_Z8fakeNameiii` -> `fakeName`, `_ZN3foo3barEv` -> `foo::bar`."""
    i = 2
    if name[i:i + 1] == "L":
        i += 1
    nested = name[i:i + 1] == "N"
    if nested:
        i += 1
    parts = []
    while i < len(name) and name[i].isdigit():
        j = i
        while j < len(name) and name[j].isdigit():
            j += 1
        n = int(name[i:j])
        if n <= 0 or j + n > len(name):
            return None
        parts.append(name[j:j + n])
        i = j + n
        if not nested:
            break
    if not parts or (nested and name[i:i + 1] != "E"):
        return None
    return "::".join(parts)


class _Bad(Exception):
    pass


class _Rust:
    """A reader of one v0 symbol (the text after `_R`)."""

    def __init__(self, s: str) -> None:
        self.s = s
        self.depth = 0

    def peek(self, i: int) -> str:
        return self.s[i:i + 1]

    def b62(self, i: int) -> tuple[int, int]:
        """base-62-number: digits then "_"; "_" alone is 0, otherwise value + 1."""
        if self.peek(i) == "_":
            return 0, i + 1
        v = 0
        while True:
            c = self.peek(i)
            if not c:
                raise _Bad
            if c == "_":
                return v + 1, i + 1
            k = _B62.find(c)
            if k < 0:
                raise _Bad
            v = v * 62 + k
            i += 1

    def disambiguator(self, i: int) -> int:
        if self.peek(i) == "s":
            _, i = self.b62(i + 1)
        return i

    def ident(self, i: int) -> tuple[str, int]:
        i = self.disambiguator(i)
        if self.peek(i) == "u":  # punycode identifiers: not needed for kernel names
            raise _Bad
        j = i
        while self.peek(j).isdigit():
            j += 1
        if j == i:
            raise _Bad
        n = int(self.s[i:j])
        if self.peek(j) == "_":
            j += 1
        if j + n > len(self.s):
            raise _Bad
        return self.s[j:j + n], j + n

    def backref(self, i: int) -> int:
        pos, i = self.b62(i + 1)
        if pos >= len(self.s):
            raise _Bad
        return pos

    def path(self, i: int) -> tuple[str, int]:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise _Bad
        try:
            c = self.peek(i)
            if c == "C":  # crate root
                name, i = self.ident(i + 1)
                return name, i
            if c == "N":  # nested: namespace letter, parent path, identifier
                ns = self.peek(i + 1)
                parent, i = self.path(i + 2)
                name, i = self.ident(i)
                if ns.isupper():  # closures and shims have no name of their own
                    kind = {"C": "closure", "S": "shim"}.get(ns, ns)
                    return f"{parent}::{{{kind}}}" if not name else f"{parent}::{{{kind}:{name}}}", i
                return (f"{parent}::{name}" if name else parent), i
            if c == "M":  # inherent impl: <Type>
                i = self.disambiguator(i + 1)
                _, i = self.path(i)
                ty, i = self.type(i)
                return f"<{ty}>", i
            if c == "X":  # trait impl: <Type as Trait>
                i = self.disambiguator(i + 1)
                _, i = self.path(i)
                ty, i = self.type(i)
                trait, i = self.path(i)
                return f"<{ty} as {trait}>", i
            if c == "Y":  # trait definition: <Type as Trait>
                ty, i = self.type(i + 1)
                trait, i = self.path(i)
                return f"<{ty} as {trait}>", i
            if c == "I":  # generic arguments
                base, i = self.path(i + 1)
                args = []
                while self.peek(i) != "E":
                    if not self.peek(i):
                        raise _Bad
                    a, i = self.generic_arg(i)
                    args.append(a)
                return f"{base}::<{', '.join(args)}>", i + 1
            if c == "B":
                pos = self.backref(i)
                name, _ = self.path(pos)
                _, end = self.b62(i + 1)
                return name, end
            raise _Bad
        finally:
            self.depth -= 1

    def generic_arg(self, i: int) -> tuple[str, int]:
        c = self.peek(i)
        if c == "L":  # lifetime
            _, i = self.b62(i + 1)
            return "'_", i
        if c == "K":  # const
            raise _Bad
        return self.type(i)

    def type(self, i: int) -> tuple[str, int]:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise _Bad
        try:
            c = self.peek(i)
            if c in _BASIC:
                return _BASIC[c], i + 1
            if c in ("R", "Q"):
                i += 1
                if self.peek(i) == "L":
                    _, i = self.b62(i + 1)
                ty, i = self.type(i)
                return ("&" if c == "R" else "&mut ") + ty, i
            if c in ("P", "O"):
                ty, i = self.type(i + 1)
                return ("*const " if c == "P" else "*mut ") + ty, i
            if c == "S":
                ty, i = self.type(i + 1)
                return f"[{ty}]", i
            if c == "T":
                i += 1
                items = []
                while self.peek(i) != "E":
                    if not self.peek(i):
                        raise _Bad
                    t, i = self.type(i)
                    items.append(t)
                return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")", i + 1
            if c == "B":
                pos = self.backref(i)
                ty, _ = self.type(pos)
                _, end = self.b62(i + 1)
                return ty, end
            return self.path(i)
        finally:
            self.depth -= 1


def _rust(name: str) -> str | None:
    body = name[2:]
    if body[:1].isdigit():  # encoding version: only 0 (implicit) is known
        return None
    try:
        out, _ = _Rust(body).path(0)
    except (_Bad, RecursionError, ValueError):
        return None
    return out
