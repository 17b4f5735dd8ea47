#!/usr/bin/env bash
# Set up from scratch and run every check: lint, types, the import layers, and the test suite,
# then every HTTP test again with the fast paths off (so both ways a request is answered are held
# to the same tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-node
.venv/bin/ruff check src tests bench scripts
.venv/bin/ruff format --check src tests bench scripts
.venv/bin/mypy
.venv/bin/lint-imports
.venv/bin/python -m pytest -n 2 "$@"  # two workers: the suite is independent tests on free ports
echo "--- again, every request through Connexion (JOBMOCK_NO_FAST_PATHS=1)"
JOBMOCK_NO_FAST_PATHS=1 .venv/bin/python -m pytest -n 2 tests/server tests/state tests/checker tests/cli \
  tests/client tests/browser tests/test_asgi.py tests/test_readme.py tests/test_pytest_plugin.py "$@"
