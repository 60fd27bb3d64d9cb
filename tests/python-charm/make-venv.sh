#!/bin/sh
# Builds the venv the Python test charm runs in (charms.reactive 1.5.3 and
# charmhelpers 1.2.1 from PyPI) and prints its path on stdout.
#
# Where: $PY_CHARM_VENV if set, else <repo>/target/py-charm-venv.
# A venv already built from the same requirements.txt is reused.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
exec "$repo/tests/make-venv.sh" "$here" "${PY_CHARM_VENV:-$repo/target/py-charm-venv}" charms.reactive
