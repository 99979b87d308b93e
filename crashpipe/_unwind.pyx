# cython: language_level=3
"""Placeholder so the extension builds from day one; the unwinder issue fills it in."""


def abi_version():
    return 0
