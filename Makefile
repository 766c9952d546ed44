# Two commands for a newcomer: `make demo` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test bench docs clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("neuromix needs Python 3.11 or newer" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,test]'
	# bytecode now: start-up reads it even where PYTHONDONTWRITEBYTECODE stops Python writing it
	$(BIN)/python -m compileall -q src
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/neuromix demo examples -o out

# Tests run on every core; the few that count a JACK client's underruns run alone afterwards.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto -m "not realtime"
	$(BIN)/python -m pytest -m realtime

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_examples.py

docs: $(STAMP)
	$(BIN)/neuromix nodes --markdown > docs/nodes.md
	$(BIN)/python tools/patch_stub.py
	$(BIN)/python tools/docsite.py -o site

clean:
	rm -rf $(VENV) out site
