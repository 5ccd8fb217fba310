# Two commands are all the set-up there is: `make validate` and `make test`.
# Each builds .venv from the pinned requirements on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: validate test sort hashes conflicts coverage docs charts release diff bench clean site

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

validate: $(STAMP)  ## Validate the package (the main job)
	$(PY) scripts/validate.py .

test: $(STAMP)  ## Run the test suite
	$(PY) -m pytest -q

sort: $(STAMP)  ## Sort every CSV by its primary key, in place
	$(PY) scripts/sort_rows.py .

hashes: $(STAMP)  ## Record each CSV's bytes and sha256 in datapackage.json (after editing data)
	$(PY) scripts/hashes.py .

coverage: $(STAMP)  ## Regenerate the README's coverage table
	$(PY) scripts/coverage.py --write

conflicts: $(STAMP)  ## Regenerate docs/conflicts.md
	$(PY) scripts/conflicts.py --write

docs: $(STAMP)  ## Regenerate docs/data-dictionary.md from datapackage.json
	$(PY) scripts/docs.py --write

charts: $(STAMP)  ## Redraw the charts in docs/
	$(PY) scripts/charts.py

release: $(STAMP)  ## Cut a release: make release VERSION=x.y.z
	$(PY) scripts/release.py $(VERSION)

diff: $(STAMP)  ## Compare two versions: make diff OLD=v0.1.0 NEW=HEAD
	$(PY) scripts/diff.py $(OLD) $(NEW)

bench: $(STAMP)  ## Benchmark the validator on synthetic packages
	$(PY) scripts/bench.py

site: $(STAMP)  ## Build the static site into site/ (open site/index.html)
	$(PY) -m scripts.site --out site

clean:
	rm -rf $(VENV) dist .pytest_cache
