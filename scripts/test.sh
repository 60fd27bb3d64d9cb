#!/usr/bin/env bash
# The project's test command (README.md): every test of the workspace, in release
# mode (the conformance corpus and the kill test run much faster optimised).
# The Python fidelity test builds its own venv (charms.reactive 1.5.3 from PyPI)
# under target/ on first use; set JUJUSIM_REQUIRE_PYTHON=1 to make a missing
# Python an error instead of a skip (CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --workspace --release --bins
cargo test --workspace --release "$@"
