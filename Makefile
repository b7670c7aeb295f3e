# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# Both create .venv with python3 -m venv and install the project with its test extras once.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PERIOD ?= 2026Q3

.PHONY: demo test lab bench suites clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)  ## run every review on the bundled demo data into reports/$(PERIOD)/
	$(VENV)/bin/audit run --period $(PERIOD)

test: $(STAMP)  ## lint, then the full test suite, notebooks included (nbval in lax mode)
	$(VENV)/bin/ruff check audit_lib tests benchmarks
	AUDIT_PHI_KEY=make-test-key-0123456789abcdef0123 AUDIT_REPORTS_DIR="$$(mktemp -d)" \
	$(PY) -m pytest -n 2 --dist loadfile tests --nbval-lax notebooks

lab: $(STAMP)  ## JupyterLab on notebooks/
	$(VENV)/bin/jupyter lab notebooks/

bench: $(STAMP)  ## speed and memory: 1M claim lines, 10M access events, X12, 100k DRG regroups, 1M 277CA acknowledgements (BENCHMARKS.md)
	$(PY) benchmarks/bench_claims.py --lines 1000000
	$(PY) benchmarks/bench_access.py --events 10000000
	$(PY) benchmarks/bench_x12.py --copies 200
	$(PY) benchmarks/bench_drg.py --claims 100000
	$(PY) benchmarks/bench_acks.py --claims 1000000
	cd benchmarks && ../$(PY) bench_edits.py

suites: $(STAMP)  ## regenerate expectations/*.json from the code
	$(VENV)/bin/audit suites build

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis benchmarks/data
