#!/bin/sh
# Builds the venv with PyPI's ops (its real Pebble client, ops.pebble.Client)
# for sim/tests/pebble_ops.rs and prints its path on stdout.
#
# Where: $PEBBLE_OPS_VENV if set, else <repo>/target/pebble-ops-venv.
# A venv already built from the same requirements.txt is reused.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
venv="${PEBBLE_OPS_VENV:-$repo/target/pebble-ops-venv}"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
    && "$venv/bin/python3" -c 'import ops.pebble' 2>/dev/null; then
    echo "$venv"
    exit 0
fi
command -v python3 >/dev/null || { echo "make-venv.sh: python3 not found" >&2; exit 1; }
python3 -m venv "$venv" >&2
"$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt" >&2
echo "$want" > "$stamp"
echo "$venv"
