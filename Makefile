# Everyday commands. Tools come from the project's virtual environment:
#   python3 -m venv .venv && .venv/bin/pip install -e '.[test]'
# Use another one with `make check VENV=/path/to/venv`.

VENV ?= .venv
PYTHON := $(VENV)/bin/python
RUFF := $(VENV)/bin/ruff
MYPY := $(VENV)/bin/mypy
PYTEST := $(VENV)/bin/pytest

# Folders ruff formats and lints; mypy's targets are set in pyproject.toml.
PY_DIRS := co3 co3_tui tests benchmarks

.PHONY: check format test bench screenshots snapshots

## check: formatting, lint and types, without changing anything
check:
	$(RUFF) format --check $(PY_DIRS)
	$(RUFF) check $(PY_DIRS)
	$(MYPY)

## format: sort imports, then format
format:
	$(RUFF) check --fix --select I $(PY_DIRS)
	$(RUFF) format $(PY_DIRS)

## test: the whole test suite (pass options with ARGS="-k differ -x")
test:
	$(PYTEST) $(ARGS)

## bench: run every benchmarks/*.py script (not _helpers); each prints its ratios
bench:
	@set -e; for script in benchmarks/*.py; do \
		case "$$(basename "$$script")" in _*|'*.py') continue ;; esac; \
		echo "== $$script"; \
		$(PYTHON) "$$script"; \
	done

## screenshots: write an SVG of every co3-tui screen to screenshots/ (the demo, 120x36)
screenshots:
	$(PYTHON) screenshots/generate.py

## snapshots: rewrite the co3-tui snapshot SVGs (look at each before committing them)
snapshots:
	$(PYTEST) tests/co3_tui/test_snapshots.py --snapshot-update $(ARGS)
