# Two entry points for people: `make run` and `make test`. Both create .venv on first use.
PY ?= python3
# The offline analysis embeds text with a small model on the CPU. Pin torch so pip does not pick a
# multi-GB GPU build; set TORCH= (empty) to skip embeddings (the analysis then uses TF-IDF vectors).
TORCH ?= torch==2.13.0
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

comma := ,

.PHONY: run test bench lint clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(if $(TORCH),$(BIN)/pip install -q '$(TORCH)')
	$(BIN)/pip install -q -e '.[dev$(if $(TORCH),$(comma)embeddings)]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/interviewer run

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check bot adapters tests bench
	$(BIN)/ruff format --check bot adapters tests bench

clean:
	rm -rf $(VENV) .pytest_cache interviewer.db
