# Two commands on a fresh machine:  `make reports`  and  `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: reports test install system-deps clean-outputs

$(BIN)/nianbao: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(BIN)/nianbao

system-deps:
	./tools/system-deps.sh

# Check the bundled sample district, then build every report into outputs/.
reports: install
	$(BIN)/nianbao check
	$(BIN)/nianbao build

test: install system-deps
	$(BIN)/python -m pytest

clean-outputs:
	rm -rf outputs/draft outputs/publish
