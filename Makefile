# Two commands on a fresh machine:  `make reports`  and  `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: reports test test-fast lint install system-deps axe-core clean-outputs

$(BIN)/nianbao: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(BIN)/nianbao

system-deps:
	./tools/system-deps.sh

# axe-core for the accessibility test, from the npm registry; the lockfile pins its bytes (npm ci checks them).
AXE := tools/axe-core/node_modules/axe-core/axe.min.js
$(AXE): tools/axe-core/package.json tools/axe-core/package-lock.json
	npm ci --prefix tools/axe-core --no-audit --no-fund --silent
	touch $@

axe-core: system-deps $(AXE)

# Check the bundled sample district, then build every report into outputs/.
reports: install
	$(BIN)/nianbao check
	$(BIN)/nianbao build

# ruff and mypy with the configuration in pyproject.toml; CI and `make test` run it first.
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

test: install system-deps axe-core lint
	$(BIN)/python -m pytest

# The suite without its slow kinds (markers in pyproject.toml): no kernel, PDF, browser,
# LibreOffice or Dask cluster.  No lint either: the quick loop while working.
FAST := not kernel and not pdf and not browser and not soffice and not dask and not word
test-fast: install
	$(BIN)/python -m pytest -m "$(FAST)"

clean-outputs:
	rm -rf outputs/draft outputs/publish
