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
.venv/bin/python -m pytest -n 2 --durations=15 "$@"  # two workers: the suite is independent tests on free ports
echo "--- again, every request through Connexion (JOBMOCK_NO_FAST_PATHS=1)"
# The tests whose requests an adapter answers: the server's, the client's, the factory's and the
# plugin's, and processes sharing a store. Not again: the CLI's option and exit tests, the
# checker's, the README's, the store's races and outages (their writes meet the same core
# functions either way; the first pass holds them), the browser's (the dashboard calls the
# control API, whose one fast route, the create, the server's tests meet here through Connexion),
# and the hostile tests no adapter meets (a spec's $refs read at start-up, an event stream no one
# reads, the guard in front of both adapters), to keep CI within its 15 minutes.
NO_ADAPTER="not refs_to_the_network and not refs_to_files_outside and not a_ref_to_a_file and not unread_stream"
NO_ADAPTER="$NO_ADAPTER and not guarded_however"
JOBMOCK_NO_FAST_PATHS=1 .venv/bin/python -m pytest -n 2 --durations=15 tests/server tests/client \
  tests/state/test_shared_servers.py tests/test_asgi.py tests/test_pytest_plugin.py -k "$NO_ADAPTER" "$@"
