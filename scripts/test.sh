#!/usr/bin/env bash
# Sets everything up the same way as the demo (plus Chromium) and runs the whole
# test suite against the project's own PostgreSQL and Redis. Extra arguments go
# to pytest.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/setup.sh --with-browser --with-topology
bash scripts/services.sh start
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
"$PY" manage.py makemigrations --check --dry-run -v 0
"$PY" -m pytest "$@"
# The whole suite also runs the benchmark at a tiny scale: correctness only
# (exact sign-up counts, no duplicate or missing reminder), no speed targets.
if (( $# == 0 )); then
  "$PY" bench/run.py --smoke
fi
