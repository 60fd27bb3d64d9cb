#!/bin/sh
# Builds a test venv from PyPI and prints its path on stdout; shared by
# tests/python-charm/make-venv.sh and tests/pebble-ops/make-venv.sh.
#
# Usage: make-venv.sh REQUIREMENTS_DIR VENV_PATH MODULE
# A venv already built from the same REQUIREMENTS_DIR/requirements.txt, in
# which MODULE imports, is reused.
set -eu
reqs="$1/requirements.txt"
venv="$2"
module="$3"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$reqs" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
    && "$venv/bin/python3" -c "import $module" 2>/dev/null; then
    echo "$venv"
    exit 0
fi
command -v python3 >/dev/null || { echo "make-venv.sh: python3 not found" >&2; exit 1; }
python3 -m venv "$venv" >&2
"$venv/bin/pip" install -q --disable-pip-version-check -r "$reqs" >&2
echo "$want" > "$stamp"
echo "$venv"
