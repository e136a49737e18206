# Two commands on a fresh Debian/Ubuntu machine with python3 and make:
#   make run    set everything up and launch asyncplay
#   make test   set everything up and run the whole test suite (and the version matrix)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test setup system-deps bench clean bytecode

$(STAMP): pyproject.toml setup.py
	@sh scripts/make-venv.sh $(PYTHON) $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(MAKE) --no-print-directory bytecode
	touch $(STAMP)

# pip and pipx compile an installed copy's bytecode; an editable one is compiled at each
# start where PYTHONDONTWRITEBYTECODE is set (about 100 ms of the app's start-up).
bytecode:
	@$(BIN)/python -m compileall -q playground

setup: $(STAMP)

# bubblewrap is the strongest sandbox layer; install it when we can (root + apt).
system-deps:
	@sh scripts/system-deps.sh

run: setup bytecode
	$(BIN)/asyncplay

# The whole suite on .venv's Python, the engine, sandbox and lesson tests on every other
# supported Python, and (as root) those as an ordinary user: scripts/matrix.py.
test: setup system-deps
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python scripts/matrix.py

bench: setup
	$(BIN)/python benchmarks/overhead.py

clean:
	rm -rf $(VENV)
