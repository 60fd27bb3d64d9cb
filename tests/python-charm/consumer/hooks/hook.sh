#!/bin/sh
# Every hook: run charms.reactive in the venv made by tests/python-charm/make-venv.sh.
: "${PY_CHARM_VENV:?PY_CHARM_VENV must name the venv made by tests/python-charm/make-venv.sh}"
exec "$PY_CHARM_VENV/bin/python3" "$JUJU_CHARM_DIR/hooks/reactive_main.py"
