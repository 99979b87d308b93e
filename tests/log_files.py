"""The text logs under a folder (corpus files have no extension), for the tests that
compare a compiled stage with its Python reference over whole corpora."""
from __future__ import annotations

import os
from typing import Iterator

LOG_SUFFIXES = (".log", ".txt")


def log_files(root: str, suffixes: tuple[str, ...] = LOG_SUFFIXES) -> Iterator[str]:
    for d, _, names in os.walk(root):
        for name in sorted(names):
            if name.endswith(suffixes) or "." not in name:
                yield os.path.join(d, name)
