#!/bin/sh
# Builds the venv with charmcraft from PyPI (for `charmcraft analyse` and
# charmcraft's own metadata derivation) and prints its path on stdout.
#
# Where: $CHARMCRAFT_VENV if set, else <repo>/target/charmcraft-venv.
# A venv already built for the same charmcraft version is reused.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
venv="${CHARMCRAFT_VENV:-$repo/target/charmcraft-venv}"
want="charmcraft==4.5.0"
stamp="$venv/.requirement"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$venv/bin/charmcraft" version >/dev/null 2>&1; then
    echo "$venv"
    exit 0
fi
command -v python3 >/dev/null || { echo "make-charmcraft-venv.sh: python3 not found" >&2; exit 1; }
python3 -m venv "$venv" >&2
"$venv/bin/pip" install -q --disable-pip-version-check "$want" >&2
echo "$want" > "$stamp"
echo "$venv"
