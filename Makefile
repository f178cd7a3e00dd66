# The two commands of the README, and what they need. Everything runs from .venv, made here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench fuzz lint check-deploy messages clean

run: $(VENV)/.installed-run
	$(BIN)/python manage.py run_platform

test: $(VENV)/.installed-dev
	SMARTCOOP_ENV=test $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev
	SMARTCOOP_ENV=test $(BIN)/python -m pytest tests/perf -p no:cacheprovider -s --timeout=3600 $(PYTEST_ARGS)

# Schemathesis over the whole API, as a member and as staff, on a database of its own (README, "Fuzzing the API").
fuzz: $(VENV)/.installed-fuzz
	$(BIN)/python -m tests.fuzz.run_fuzz

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

messages: $(VENV)/.installed-dev
	$(BIN)/python manage.py makemessages --all --no-location --ignore=.venv --ignore=.data --ignore=tests
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=.data

$(VENV)/.installed-run: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed-run
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(VENV)/.installed-fuzz: pyproject.toml $(VENV)/.installed-run
	$(BIN)/python -m pip install --quiet -e '.[fuzz]'
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
