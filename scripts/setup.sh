#!/usr/bin/env bash
# Create .venv with jobmock and its test tools; install the Node tools (Redocly, Prism) into tools/.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
if [ "${1:-}" = "--with-node" ]; then
  (cd tools && npm ci --no-audit --no-fund --loglevel=error)
fi
