"""Build crashpipe's Cython extensions: the unwinder (`_unwind`), DWARF decoding
(`_dwarf`), line cleaning and splitting (`_lines`), field extraction (`_extract`) and
titles (`_titles`).  Each has a pure-Python twin that tests compare it with.

CRASHPIPE_CYTHON_DEBUG=1 rebuilds the extensions with bounds checks, wraparound and
initialisation checks back on.  Independently of that switch, crashpipe._unwind_debug
(the same loop from crashpipe/_unwind_debug.pyx, every check on) is always built: the
property tests run against it to prove the hot loop never reads outside its buffers,
without clobbering the fast build.
"""
import os

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

debug = os.environ.get("CRASHPIPE_CYTHON_DEBUG", "") not in ("", "0")

directives = {
    "language_level": 3,
    "boundscheck": debug,
    "wraparound": debug,
    "initializedcheck": debug,
    "cdivision": not debug,
}

extensions = [
    Extension(
        "crashpipe._unwind",
        ["crashpipe/_unwind.pyx"],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")] + ([("CRASHPIPE_DEBUG", "1")] if debug else []),
        extra_compile_args=["-O3"] if not debug else ["-O0", "-g"],
    ),
    # Always built: the same loop with every check on, for the tests (crashpipe/_unwind_debug.pyx).
    Extension(
        "crashpipe._unwind_debug",
        ["crashpipe/_unwind_debug.pyx"],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION"), ("CRASHPIPE_DEBUG", "1")],
        extra_compile_args=["-O1", "-g"],
    ),
    # Bulk DWARF line-program and DIE loops (symbols engineer; twin: crashpipe/symbols/dwarf.py).
    Extension(
        "crashpipe._dwarf",
        ["crashpipe/_dwarf.pyx"],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=["-O2"] if not debug else ["-O0", "-g"],
    ),
    # Line cleaning and report splitting loops (parse engineer; twin: crashpipe/lines.py,
    # crashpipe/split.py).
    Extension(
        "crashpipe._lines",
        ["crashpipe/_lines.pyx"],
        extra_compile_args=["-O2"] if not debug else ["-O0", "-g"],
    ),
    # Field extraction's per-line state machine (parse engineer; twin: crashpipe.parse._Extractor).
    Extension(
        "crashpipe._extract",
        ["crashpipe/_extract.pyx"],
        extra_compile_args=["-O2"] if not debug else ["-O0", "-g"],
    ),
    # The titler's per-line loops (titles engineer; twin: crashpipe/titles.py).
    Extension(
        "crashpipe._titles",
        ["crashpipe/_titles.pyx"],
        extra_compile_args=["-O2"] if not debug else ["-O0", "-g"],
    ),
]

setup(ext_modules=cythonize(extensions, compiler_directives=directives))
