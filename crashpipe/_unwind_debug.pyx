# cython: language_level=3, boundscheck=True, wraparound=True, initializedcheck=True, cdivision=False
# The same unwind loop as _unwind.pyx, always built with every check on (and with
# CRASHPIPE_DEBUG, which makes each stack read re-check the whole buffer), so the tests
# prove the loop stays inside its buffers without replacing the fast build.
include "_unwind.pyx"
