"""SymbolStore: a directory of symbol tables keyed by content hash, with a catalog
that maps kernel releases, build ids and module names to them.

    STORE/catalog.json          {content key: {kind, release, build_id, module, path}}
    STORE/objects/<key>/        one SymbolTable (memory-mapped .npy arrays + meta.json)

Indexing a file whose content (and release override) was indexed before is a cache hit.
Opening the store reads only the catalog; each table is mapped on first use and kept
for the life of the process, so a worker pays the open once.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass

from crashpipe.symbols.table import FORMAT, SymbolTable

log = logging.getLogger(__name__)

CATALOG = "catalog.json"
KERNEL_KINDS = ("elf", "system.map", "kallsyms")
# Which kernel table answers first for a release: full debug info beats a map.
_KERNEL_RANK = {"elf": 0, "system.map": 1, "kallsyms": 2}


def _current(table_dir: str) -> bool:
    """A table directory written by this version's format (else it is rebuilt)."""
    try:
        with open(os.path.join(table_dir, "meta.json")) as f:
            return json.load(f).get("format") == FORMAT
    except (OSError, ValueError):
        return False


@dataclass
class IndexResult:
    path: str
    key: str
    kind: str
    release: str | None
    build_id: str | None
    module: str | None
    cached: bool
    error: str | None = None


class SymbolStore:
    def __init__(self, root: str) -> None:
        self.root = root
        self.catalog: dict[str, dict] = {}
        self._tables: dict[str, SymbolTable] = {}
        self._module_memo: dict[tuple[str, str | None], str | None] = {}
        self._load_catalog()

    @classmethod
    def open(cls, root: str) -> "SymbolStore":
        if not os.path.isdir(root):
            raise FileNotFoundError(f"no symbol store at {root}")
        return cls(root)

    @classmethod
    def create(cls, root: str) -> "SymbolStore":
        os.makedirs(os.path.join(root, "objects"), exist_ok=True)
        return cls(root)

    def _load_catalog(self) -> None:
        p = os.path.join(self.root, CATALOG)
        try:
            with open(p) as f:
                self.catalog = json.load(f)
        except (OSError, ValueError):
            self.catalog = {}

    def _save_catalog(self) -> None:
        # Merge with entries another indexer wrote meanwhile, then replace atomically.
        p = os.path.join(self.root, CATALOG)
        try:
            with open(p) as f:
                merged = json.load(f)
        except (OSError, ValueError):
            merged = {}
        merged.update(self.catalog)
        self.catalog = merged
        fd, tmp = tempfile.mkstemp(prefix=".catalog-", dir=self.root)
        with os.fdopen(fd, "w") as f:
            json.dump(merged, f, indent=1, sort_keys=True)
        os.replace(tmp, p)

    # -- indexing ------------------------------------------------------------
    def index(self, paths: list[str], release: str | None = None) -> list[IndexResult]:
        """Index files; a directory stands for the symbol files under it (a module
        tree: *.ko, System.map-*, vmlinux*, kallsyms*)."""
        files: list[str] = []
        for p in paths:
            if os.path.isdir(p):
                for dirpath, _, names in sorted(os.walk(p)):
                    files += [os.path.join(dirpath, n) for n in sorted(names)
                              if n.endswith(".ko") or n.startswith(("System.map", "vmlinux", "kallsyms"))]
            else:
                files.append(p)
        out = [self._index_one(p, release) for p in files]
        self._save_catalog()
        self._module_memo.clear()
        return out

    def _index_one(self, path: str, release: str | None) -> IndexResult:
        from crashpipe.symbols import sysmap
        from crashpipe.symbols.build import build_elf_table
        from crashpipe.symbols.elffile import file_hash, open_object

        try:
            h = file_hash(path)
            with open(path, "rb") as f:
                head = f.read(4096)
        except OSError as e:
            return IndexResult(path, "", "?", release, None, None, False, f"unreadable: {e}")
        key = h if release is None else hashlib.blake2b((h + "\0" + release).encode(), digest_size=16).hexdigest()
        entries = {k: v for k, v in self.catalog.items() if v.get("key", k) == key or k.startswith(key + ".")}
        if entries and all(_current(os.path.join(self.root, "objects", k)) for k in entries):
            e = next(iter(entries.values()))
            return IndexResult(path, key, e["kind"], e.get("release"), e.get("build_id"), e.get("module"), True)
        for k in entries:  # built by an older format: rebuilt below (readers keep their maps)
            shutil.rmtree(os.path.join(self.root, "objects", k), ignore_errors=True)
        tables: list[tuple[str, SymbolTable]] = []
        try:
            if head[:4] == b"\x7fELF":
                obj = open_object(path, h)
                t = build_elf_table(obj)
                if release:
                    t.meta["release"] = release
                tables.append((key, t))
            elif sysmap.looks_like_map(head):
                syms = sysmap.read_map(path)
                mods = sysmap.modules_in(syms)
                kind = "kallsyms" if mods or os.path.basename(path).startswith("kallsyms") else "system.map"
                rel = release or sysmap.release_from_name(path)
                tables.append((key, sysmap.map_table(path, syms, kind, h, rel)))
                for m in mods:
                    tables.append((f"{key}.{m}", sysmap.map_table(path, syms, "kallsyms-module", h, rel, module=m)))
            else:
                return IndexResult(path, key, "?", release, None, None, False, "not an ELF file, System.map or kallsyms dump")
        except Exception as e:  # noqa: BLE001 - a damaged input is reported, not fatal
            log.warning("%s: cannot index: %s", path, e)
            return IndexResult(path, key, "?", release, None, None, False, f"{type(e).__name__}: {e}")
        for k, t in tables:
            t.save(os.path.join(self.root, "objects", k))
            self.catalog[k] = {
                "key": key,
                "kind": t.meta["kind"],
                "release": t.meta.get("release"),
                "build_id": t.meta.get("build_id"),
                "module": t.meta.get("module"),
                "path": os.path.basename(path),
                "has_dwarf": t.meta.get("has_dwarf", False),
            }
        t0 = tables[0][1]
        return IndexResult(path, key, t0.meta["kind"], t0.meta.get("release"), t0.meta.get("build_id"),
                           t0.meta.get("module"), False)

    # -- lookups -------------------------------------------------------------
    def table(self, key: str) -> SymbolTable:
        t = self._tables.get(key)
        if t is None:
            t = self._tables[key] = SymbolTable.load(os.path.join(self.root, "objects", key))
        return t

    def releases(self) -> list[str]:
        return sorted({e["release"] for e in self.catalog.values() if e.get("release")})

    def kernel_key(self, release: str | None = None, build_id: str | None = None) -> str | None:
        """The best kernel table for a build: by build id, else by release (vmlinux
        with DWARF first, then System.map, then a kallsyms dump)."""
        cands = [(k, e) for k, e in self.catalog.items() if e["kind"] in KERNEL_KINDS and e.get("module") is None
                 and (e["kind"] != "elf" or e.get("release"))]  # a user-space ELF is no kernel
        if build_id:
            for k, e in cands:
                if e.get("build_id") == build_id:
                    return k
        if release is None:
            rels = {e.get("release") for _, e in cands}
            if len(rels) != 1:
                return None  # ambiguous: several builds and no release to choose
        else:
            cands = [(k, e) for k, e in cands if e.get("release") == release]
        if not cands:
            return None
        cands.sort(key=lambda ke: (_KERNEL_RANK.get(ke[1]["kind"], 9), ke[0]))
        return cands[0][0]

    def kernel(self, release: str | None = None, build_id: str | None = None) -> SymbolTable | None:
        k = self.kernel_key(release, build_id)
        return None if k is None else self.table(k)

    def module(self, name: str, release: str | None = None) -> SymbolTable | None:
        """A module's table: its .ko (DWARF) if indexed, for the release when known."""
        memo = self._module_memo
        if (name, release) not in memo:
            memo[(name, release)] = self._module_key(name, release)
        k = memo[(name, release)]
        return None if k is None else self.table(k)

    def _module_key(self, name: str, release: str | None) -> str | None:
        norm = name.replace("-", "_")
        cands = [(k, e) for k, e in self.catalog.items() if e["kind"] == "module"
                 and (e.get("module") or "").replace("-", "_") == norm]
        if release is not None:
            exact = [(k, e) for k, e in cands if e.get("release") == release]
            if exact or len({e.get("release") for _, e in cands}) > 1:
                cands = exact
        if not cands:
            return None
        cands.sort(key=lambda ke: ke[0])
        return cands[0][0]

    def kallsyms_module(self, name: str, release: str | None = None) -> SymbolTable | None:
        """Runtime symbols of a module from an indexed kallsyms dump (load addresses)."""
        for k, e in sorted(self.catalog.items()):
            if e["kind"] == "kallsyms-module" and e.get("module") == name and (release is None or e.get("release") in (None, release)):
                return self.table(k)
        return None
