# make run  : set up everything, migrate, load demo data, serve on 127.0.0.1:$${PORT:-8000}
#             with a Celery worker and beat (Ctrl-C stops all of it)
# make test : set up everything and run the whole suite on PostgreSQL
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
SERVICES := $(PY) scripts/local_services.py exec --

# Without DEBUG the app refuses to start with no SECRET_KEY: make run / make test use a random
# one kept in .data/secret_key (git-ignored) unless the environment sets its own.
ifndef SECRET_KEY
SECRET_KEY := $(shell mkdir -p .data && { test -s .data/secret_key || od -An -N48 -tx1 /dev/urandom | tr -d ' \n' > .data/secret_key; } && cat .data/secret_key)
endif
export SECRET_KEY

.PHONY: run test setup lint services-down seed-scale bench-redirect bench-dashboard bench-reports bench-timezones bench-load bench-faults bench-artwork

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(SERVICES) sh -c '$(PY) manage.py migrate --noinput && $(PY) manage.py collectstatic --noinput -v0 && $(PY) manage.py seed_demo && OI_PORT=$${PORT:-8000} GEOIP_PRIVATE_IP_STANDIN=$${GEOIP_PRIVATE_IP_STANDIN-81.2.69.142} exec $(VENV)/bin/honcho -f Procfile start'

test: setup
	$(SERVICES) $(VENV)/bin/pytest

lint: setup
	$(VENV)/bin/ruff check .

# Bulk data at the seed's volumes (SCALE=10x for ten times) in the database `make run` uses;
# it may run while `make run` serves.
seed-scale: setup
	$(SERVICES) sh -c '$(PY) manage.py migrate --noinput && $(PY) manage.py seed_demo --scale $${SCALE:-seed}'

services-down: setup
	$(PY) scripts/local_services.py down

# Benchmarks print ratios measured side by side in one run (see docs/ and the README).
bench-redirect: setup
	$(SERVICES) $(PY) bench/redirect.py

bench-dashboard: setup
	$(SERVICES) $(PY) bench/dashboard.py

bench-reports: setup
	$(SERVICES) $(PY) bench/reports.py

bench-timezones: setup
	$(SERVICES) $(PY) bench/timezones.py --runs $${RUNS:-40}

bench-load: setup
	$(SERVICES) $(PY) bench/load.py

# The studio's print output (render + decode check, a 100-code sheet and ZIP) and the scan path
# without a decode, in the database `make run` uses; what it creates is rolled back.
bench-artwork: setup
	$(SERVICES) sh -c '$(PY) manage.py migrate --noinput && $(PY) bench/artwork.py'

# No $(SERVICES): the drill starts (and stops) its own PostgreSQL and Redis.
bench-faults: setup
	$(PY) bench/faults.py
