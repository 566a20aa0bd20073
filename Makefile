# Everything a fresh machine needs: `make test` and `make demo` build the venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv test lint bench demo clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# the pure-Python OpenCC of earlier versions installs the same `opencc` module: take it out first
	$(BIN)/pip uninstall -q -y opencc-python-reimplemented
	$(BIN)/pip install -q -e '.[dev,ocr]'
	# rapidocr pulls the GUI build of OpenCV, which needs libGL; the headless build serves the same cv2
	$(BIN)/pip uninstall -q -y opencv-python
	$(BIN)/pip install -q --force-reinstall --no-deps opencv-python-headless
	touch $(STAMP)

TEST_WORKERS ?= 2

# the suite in TEST_WORKERS processes (pytest-xdist), each test file whole in one (its module fixtures once)
test: venv
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: venv
	$(BIN)/ruff check nianbao flows extractors transforms store sample_portal data tests benchmarks

bench: venv
	$(BIN)/python -m benchmarks.parse_bench
	$(BIN)/python -m benchmarks.scaling_bench
	$(BIN)/python -m benchmarks.cold_parse
	$(BIN)/python -m benchmarks.store_bench
	$(BIN)/python -m benchmarks.memory_bench
	$(BIN)/python -m benchmarks.ocr_bench
	$(BIN)/python -m benchmarks.damage_bench
	$(BIN)/python -m benchmarks.fields_bench
	$(BIN)/python -m benchmarks.crawl_bench
	$(BIN)/python -m benchmarks.national_bench
	$(BIN)/python -m benchmarks.flow_bench

demo: venv
	$(BIN)/python -m nianbao.flows.demo out

clean:
	rm -rf $(VENV) out .pytest_cache
