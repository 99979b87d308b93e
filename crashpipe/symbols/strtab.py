"""A string table as two flat arrays (UTF-8 blob + offsets), so that millions of names
save as two .npy files, memory-map, and decode only the few names a lookup needs."""
from __future__ import annotations

from typing import Iterable

import numpy as np


class StringTable:
    __slots__ = ("blob", "offsets", "_cache")

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        self.blob = blob  # uint8
        self.offsets = offsets  # int64, len(names) + 1
        self._cache: dict[int, str] = {}

    @classmethod
    def from_strings(cls, names: Iterable[str]) -> "StringTable":
        encoded = [n.encode("utf-8", "surrogateescape") for n in names]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        if encoded:
            np.cumsum([len(e) for e in encoded], out=offsets[1:])
        blob = np.frombuffer(b"".join(encoded), dtype=np.uint8).copy()
        return cls(blob, offsets)

    @classmethod
    def from_nul_terminated(cls, data: bytes, starts: np.ndarray) -> "StringTable":
        """Gather the NUL-terminated strings of an ELF string section that begin at
        `starts`, without a Python loop (vmlinux has ~150k symbol names)."""
        raw = np.frombuffer(data, dtype=np.uint8)
        starts = np.asarray(starts, dtype=np.int64)
        if raw.size == 0 or starts.size == 0:
            return cls(np.zeros(0, np.uint8), np.zeros(starts.size + 1, np.int64))
        nuls = np.flatnonzero(raw == 0)
        starts = np.clip(starts, 0, raw.size)
        k = np.searchsorted(nuls, starts)
        ends = np.where(k < nuls.size, nuls[np.minimum(k, nuls.size - 1)], raw.size)
        lengths = ends - starts
        offsets = np.zeros(starts.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        src = np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1], dtype=np.int64)
        return cls(raw[src], offsets)

    def __len__(self) -> int:
        return self.offsets.size - 1

    def __getitem__(self, i: int) -> str:
        s = self._cache.get(i)
        if s is None:
            a, b = int(self.offsets[i]), int(self.offsets[i + 1])
            s = bytes(self.blob[a:b]).decode("utf-8", "surrogateescape")
            self._cache[i] = s
        return s

    def get(self, i: int) -> str | None:
        return None if i < 0 or i >= len(self) else self[i]

    def to_list(self) -> list[str]:
        data = bytes(self.blob)
        off = self.offsets.tolist()
        return [data[off[i]:off[i + 1]].decode("utf-8", "surrogateescape") for i in range(len(off) - 1)]

    def index(self) -> dict[str, int]:
        """name -> first id, for resolving `func+off` frames by name."""
        out: dict[str, int] = {}
        for i, s in enumerate(self.to_list()):
            out.setdefault(s, i)
        return out
