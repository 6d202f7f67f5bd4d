# The two commands a newcomer needs: `make demo` and `make test`. Both install what they need.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DIGEST_ARGS := $(if $(DATE),--date $(DATE))

.PHONY: install test unit faults demo doctor digest paper backfill site check bench clean

# The first install downloads about 40 packages (about 3 minutes); pip prints a line for each.
$(STAMP): pyproject.toml standins/pyproject.toml
	@$(PY) -c 'import sys; sys.exit("Python 3.11+ is needed") if sys.version_info < (3, 11) else None'
	@echo "==> [1/3] creating $(VENV) (first time only)"
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@echo "==> [2/3] installing summarizer and its test tools into $(VENV) (about 3 minutes the first time)"
	$(BIN)/python -m pip install --disable-pip-version-check -e '.[test]' -e ./standins
	@echo "==> [3/3] installed"
	@touch $(STAMP)

install: $(STAMP)

# In parallel on every core (pytest-xdist; an idle worker takes tests a busy one has not started:
# the long end-to-end tests do not leave a core idle at the end); every test uses its own
# directory and free ports.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --dist worksteal

# One kind of test, by the marker its folder gives it (tests/conftest.py).
unit: $(STAMP)
	$(BIN)/python -m pytest -q -n auto -m unit

faults: $(STAMP)
	$(BIN)/python -m pytest -q -m faults

demo: $(STAMP)
	$(BIN)/summarizer demo $(ARGS)

digest: $(STAMP)
	$(BIN)/summarizer digest $(DIGEST_ARGS) $(ARGS)

doctor: $(STAMP)
	$(BIN)/summarizer doctor $(ARGS)

paper: $(STAMP)
	@test -n "$(ID)" || { echo "usage: make paper ID=2511.14600"; exit 2; }
	$(BIN)/summarizer paper $(ID) $(ARGS)

backfill: $(STAMP)
	@test -n "$(FROM)" -a -n "$(TO)" || { echo "usage: make backfill FROM=2026-01-05 TO=2026-01-09"; exit 2; }
	$(BIN)/summarizer backfill --from $(FROM) --to $(TO) $(ARGS)

site: $(STAMP)
	$(BIN)/summarizer site $(ARGS)

check: $(STAMP)
	$(BIN)/ruff check summarizer standins tests tools benchmarks
	$(BIN)/ruff format --check summarizer standins tests tools benchmarks
	$(BIN)/mypy summarizer standins/summarizer_standins

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py $(ARGS)

clean:
	rm -rf $(VENV) outputs/demo .pytest_cache .mypy_cache .ruff_cache
