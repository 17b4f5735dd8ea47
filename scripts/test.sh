#!/usr/bin/env bash
# Set up from scratch and run every check: lint, types, the import layers, and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-node
.venv/bin/ruff check src tests bench scripts
.venv/bin/ruff format --check src tests bench scripts
.venv/bin/mypy
.venv/bin/lint-imports
.venv/bin/python -m pytest -n 2 "$@"  # two workers: the suite is independent tests on free ports
