# Two commands are all the set-up there is: `make validate` and `make test`.
# `make validate` builds .venv with only what validation needs (requirements-validate.txt:
# frictionless, pandas and their pinned dependencies); `make test` and the other
# development targets add requirements-dev.txt (pytest, pytest-xdist, hypothesis, matplotlib, hatchling).
# Both lists pin every package, so pip installs them as listed (--no-deps, no resolver) and
# leaves byte-compiling to first use (--no-compile). Where the system Python has a pip that
# can install into another environment (--python), .venv is made without a pip of its own
# (5 s saved); `make test` adds one, which the packaging test uses. The first `make
# validate` on a fresh clone takes about 20 s, most of it downloading pandas and numpy.
PYTHON ?= python3
# Let Python cache the bytecode it compiles on first use (in .venv and __pycache__/, which
# git ignores), even where the environment says not to: without the cache every run
# compiles pandas again, about a second each time.
unexport PYTHONDONTWRITEBYTECODE
VENV := .venv
PY := $(VENV)/bin/python
# .venv's own pip once it has one, else the system Python's pip working on .venv.
PIP = $(if $(wildcard $(VENV)/bin/pip),$(PY) -m pip,$(PYTHON) -m pip --python $(PY)) --disable-pip-version-check
PIP_INSTALL = $(PIP) install --quiet --no-deps --no-compile
VALIDATE_ENV := $(VENV)/.validate-installed
DEV_ENV := $(VENV)/.dev-installed

.PHONY: validate test sort hashes generate site release diff tags versions sqlite wheel bench clean

$(PY):
	if $(PYTHON) -m pip --python $(PYTHON) --version >/dev/null 2>&1; then \
		$(PYTHON) -m venv --without-pip $(VENV); \
	else \
		$(PYTHON) -m venv $(VENV); \
	fi

$(VALIDATE_ENV): requirements-validate.txt | $(PY)
	$(PIP_INSTALL) -r requirements-validate.txt
	$(PIP) check >/dev/null || $(PIP) check
	touch $@

$(DEV_ENV): requirements-dev.txt $(VALIDATE_ENV)
	test -x $(VENV)/bin/pip || $(PY) -m ensurepip --default-pip >/dev/null
	$(PIP_INSTALL) -r requirements-dev.txt
	$(PIP) check >/dev/null || $(PIP) check
	touch $@

validate: $(VALIDATE_ENV)  ## Validate the package (the main job)
	$(PY) -m scripts.validate .

test: $(DEV_ENV)  ## Run the test suite, on every core
	$(PY) -m pytest -q -n auto --dist loadfile

sort: $(VALIDATE_ENV)  ## Sort every CSV by its primary key, in place
	$(PY) -m scripts.sort_rows .

hashes: $(VALIDATE_ENV)  ## Record each CSV's bytes and sha256 in datapackage.json (after editing data)
	$(PY) -m scripts.hashes .

generate: $(DEV_ENV)  ## Rewrite every generated file (headline series, README tables, docs/, charts, rules list)
	$(PY) -m scripts.generate .

release: $(VALIDATE_ENV)  ## Cut a release: make release VERSION=x.y.z
	$(PY) -m scripts.release $(VERSION)

diff: $(VALIDATE_ENV)  ## Compare two versions: make diff OLD=v1.0.0 NEW=HEAD
	$(PY) -m scripts.diff $(OLD) $(NEW)

versions: $(VALIDATE_ENV)  ## List the released versions and their commits (tags not needed)
	$(PY) -m scripts.versions list

tags: $(VALIDATE_ENV)  ## Recreate the annotated tags vX.Y.Z from the release commits in the history
	$(PY) -m scripts.versions tags

sqlite: $(VALIDATE_ENV)  ## Write the package as dist/<name>-<version>.sqlite
	$(PY) -m scripts.sqlite

wheel: $(DEV_ENV)  ## Build the installable wheel into dist/
	$(PY) -m pip wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation --no-index . -w dist

bench: $(DEV_ENV)  ## Benchmark the validator on synthetic packages
	$(PY) -m scripts.bench

site: $(VALIDATE_ENV)  ## Build the static site into site/ (open site/index.html)
	$(PY) -m scripts.site --out site

clean:
	rm -rf $(VENV) dist .pytest_cache
