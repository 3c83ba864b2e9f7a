# The two commands a newcomer needs: `make demo` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ecommerce demo --directory $(or $(DEMO_DIR),.demo-shop) --fresh

# only the folders that exist: git does not keep an empty benchmarks/ in a fresh clone
LINTED := $(wildcard src tests benchmarks examples)

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy --strict $(wildcard src/adapters/ecommerce_*) $(wildcard src/plugins/ecommerce_*)

test: lint typecheck
	$(BIN)/python -m pytest $(PYTEST_ARGS)

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit -q

clean:
	rm -rf $(VENV) .demo-shop .pytest_cache .mypy_cache .ruff_cache dist build
