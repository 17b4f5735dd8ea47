#!/usr/bin/env bash
# Set up (once) and serve the five bundled job APIs: bash scripts/serve.sh [jobmock serve options]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/jobmock ] || bash scripts/setup.sh
exec .venv/bin/jobmock serve "$@"
