#!/usr/bin/env bash
# The project's test command (README.md). Builds what the tests need that cargo
# does not (the Python venv of the fidelity test, charms.reactive 1.5.3 from
# PyPI), then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x tests/python-charm/setup_venv.sh ]; then
  tests/python-charm/setup_venv.sh || echo "warning: the Python charm venv could not be built; the fidelity test will say why it skips"
fi
cargo build --workspace --release --bins
cargo test --workspace --release "$@"
