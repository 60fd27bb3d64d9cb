#!/bin/sh
# Builds the venv the Python test charm runs in (charms.reactive 1.5.3 and
# charmhelpers 1.2.1 from PyPI) and prints its path on stdout.
#
# Where: $PY_CHARM_VENV if set, else <repo>/target/py-charm-venv.
# A venv already built from the same requirements.txt is reused.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv="${PY_CHARM_VENV:-$repo/target/py-charm-venv}"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
    && "$venv/bin/python3" -c 'import charms.reactive' 2>/dev/null; then
    echo "$venv"
    exit 0
fi
command -v python3 >/dev/null || { echo "make-venv.sh: python3 not found" >&2; exit 1; }
python3 -m venv "$venv" >&2
"$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt" >&2
echo "$want" > "$stamp"
echo "$venv"
