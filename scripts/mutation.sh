#!/usr/bin/env bash
# Mutation testing of the pure core with mutmut 3 (installed into .venv if missing); a per-module
# table, exit 1 if a module scores below 90%. Arguments: see scripts/mutation.py (a module filter).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh
.venv/bin/python -c 'import mutmut' 2>/dev/null || .venv/bin/python -m pip install --quiet 'mutmut>=3.8,<4'
exec .venv/bin/python scripts/mutation.py "$@"
