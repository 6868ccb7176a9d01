# Two commands do all the set-up on a fresh machine with Python 3.11 and make:
#   make demo   build the demo city's registry and print where it is
#   make test   run the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_CITY := build/demo-city
DEMO_OUT := out/demo

.PHONY: install demo test bench clean browser

$(BIN)/resolve: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,spark]'
	touch $(BIN)/resolve

install: $(BIN)/resolve

demo: install
	$(BIN)/resolve generate --out $(DEMO_CITY) --seed 1 --persons 20000
	$(BIN)/resolve run configs/demo.yaml --out $(DEMO_OUT)
	$(BIN)/resolve evaluate --registry $(DEMO_OUT) --truth $(DEMO_CITY)
	@echo "registry: $(abspath $(DEMO_OUT))/registry.duckdb"
	@echo "report:   $(abspath $(DEMO_OUT))/report/index.html"

# The report is tested in a real browser: Debian's Chromium (Playwright drives it, and never
# downloads a browser of its own), with Debian's CJK font so that Chinese renders as text, not
# boxes. Where Chromium cannot be installed the browser test says so and is skipped; without
# the font it fails.
browser:
	@command -v chromium >/dev/null 2>&1 || apt-get install -y -q chromium >/dev/null 2>&1 \
		|| (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1) \
		|| echo "chromium could not be installed: the browser test will be skipped"
	@fc-list :lang=zh 2>/dev/null | grep -q . || apt-get install -y -q fonts-noto-cjk >/dev/null 2>&1 \
		|| (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q fonts-noto-cjk >/dev/null 2>&1) \
		|| echo "fonts-noto-cjk could not be installed: the browser test will fail on missing glyphs"

# two workers, each test file on one of them (its module fixtures built once)
test: install browser
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

bench: install
	$(BIN)/python benchmarks/bench_person.py --records 100000
	$(BIN)/python benchmarks/bench_registries.py --persons 50000
	$(BIN)/python benchmarks/bench_update.py --records 100000 --new 1000
	$(BIN)/python benchmarks/bench_lookup.py --records 100000

clean:
	rm -rf build out .pytest_cache
