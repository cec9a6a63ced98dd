# Two entry points for a fresh machine (Python 3.11 + the package registries):
#   make corpus   set up .venv, then ingest -> validate -> build -> load the release back
#   make test     set up .venv, .venv-ls and chromium (browser test), then check generated files, validate the data
#                 (levels 1-4 with the pandas engine), check the sentence boundaries are the installed segmenter's
#                 and the release is a fresh build, and run the test suite (two workers), which runs level 4 on
#                 Spark in local mode (Java 17+) over this release and every level-4 fixture, comparing its
#                 findings with the pandas engine's (tests/test_gxspark.py)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
LS_VENV := .venv-ls
UV_VERSION := 0.13.9
# --compile-bytecode: with PYTHONDONTWRITEBYTECODE set (as on these machines) nothing else writes .pyc files, and
# every process (each CLI test, the Label Studio server, mlcroissant's torch) would compile its imports again:
# importing datasets + great_expectations costs 9 CPU s without them, 2.5 s with them. (tests/test_readme.py sets it
# empty: its throwaway copy runs a handful of processes, fewer than compiling 13,000 modules costs.)
COMPILE_BYTECODE ?= --compile-bytecode

.PHONY: install ls-install browser corpus test check clean

# uv alone first: both virtualenvs are installed with it, so .venv-ls need not wait for the whole .venv.
# (Order-only: an existing .venv made before this stamp existed is not reinstalled for it.)
UV_STAMP := $(VENV)/.uv-$(UV_VERSION)
$(UV_STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	touch $@

$(BIN)/.installed: pyproject.toml requirements.lock | $(UV_STAMP)
	$(BIN)/uv pip install -q $(COMPILE_BYTECODE) --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q src
	touch $@

install: $(BIN)/.installed

# Label Studio pins its own pyarrow and SDK, so its server lives in a virtualenv of its own.
$(LS_VENV)/.installed: requirements-labelstudio.lock | $(UV_STAMP)
	$(PYTHON) -m venv $(LS_VENV)
	$(BIN)/uv pip install -q $(COMPILE_BYTECODE) --python $(LS_VENV)/bin/python -r requirements-labelstudio.lock
	touch $@

ls-install: $(LS_VENV)/.installed

# The browser test drives Debian's chromium (Playwright cannot download browsers here); the emoji
# font makes emoji take their real width. Installed only when missing (CI runs as root).
browser:
	@test -x /usr/bin/chromium || { \
	  echo "installing chromium and fonts-noto-color-emoji with apt-get"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-color-emoji \
	    >/dev/null; }

corpus: install browser
	$(BIN)/claimcorpus pipeline

check: install browser
	$(BIN)/claimcorpus generate --check
	$(BIN)/claimcorpus validate
	$(BIN)/claimcorpus resegment --check
	$(BIN)/claimcorpus build --check
	$(BIN)/mlcroissant validate --jsonld corpus/croissant.json

# The set-up runs two jobs at a time (2-core CI): .venv-ls (about 60 s of one core) is installed while .venv is,
# and while `check` runs; `check` itself stays in order (build --check holds the repository's lock, which
# validate would report as a leftover, E107). --output-sync keeps each job's output together.
test:
	$(MAKE) --no-print-directory -j2 --output-sync=target install ls-install browser check
	CLAIMCORPUS_LS_PYTHON=$(abspath $(LS_VENV))/bin/python $(BIN)/python -m pytest -n auto --dist loadgroup

clean:
	rm -rf $(VENV) $(LS_VENV) build
