#!/bin/sh
# Builds the venv with PyPI's ops (its real Pebble client, ops.pebble.Client)
# for sim/tests/pebble_ops.rs and prints its path on stdout.
#
# Where: $PEBBLE_OPS_VENV if set, else <repo>/target/pebble-ops-venv.
# A venv already built from the same requirements.txt is reused.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
exec "$repo/tests/make-venv.sh" "$here" "${PEBBLE_OPS_VENV:-$repo/target/pebble-ops-venv}" ops.pebble
