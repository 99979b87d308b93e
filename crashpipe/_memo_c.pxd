# cython: language_level=3
"""crashpipe.memo.remember for the compiled modules, inlined where it is cimported (no
module of its own): `from crashpipe._memo_c cimport keep`.  The bounds are passed in,
read once at import from crashpipe.memo, so the rule and its limits stay in one place."""


cdef inline object keep(dict cache, key, value, Py_ssize_t key_len, Py_ssize_t max_key_len,
                        Py_ssize_t max_entries):
    """Remember value under key when the key is short enough; a full cache is emptied
    first (crashpipe.memo.remember).  Returns value."""
    if key_len <= max_key_len:
        if len(cache) >= max_entries:
            cache.clear()
        cache[key] = value
    return value
