# The two commands a newcomer needs:  `make demo`  and  `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test venv build bench clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml setup.py
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q 'setuptools>=68' wheel 'Cython>=3.0' 'numpy>=1.26'
	$(BIN)/pip install -q --no-build-isolation -e '.[test]'
	touch $@

# (Re)build the Cython extensions (crashpipe/_*.pyx) in place; setup.py skips unchanged ones.
build: venv
	$(BIN)/python setup.py -q build_ext --inplace

# Run the nightly job on the bundled sample archive, then query the result.
demo: build
	rm -rf demo-out
	$(BIN)/crashpipe run samples/ --out demo-out --workers 2
	$(BIN)/python jobs/show_demo.py demo-out

# The whole test suite (pytest exit 5, "no tests collected", counts as a failure
# only when tests/ has test files).
test: build
	$(BIN)/python -m pytest tests; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; rc=0; fi; exit $$rc

bench: build
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf build demo-out crashpipe/_*.c crashpipe/_*.so
