# Shared settings for the scripts; sourced, never run. Every value can be
# overridden from the environment.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PORTAL_SERVICES_DIR="${PORTAL_SERVICES_DIR:-$ROOT/.services}"
export PORTAL_PG_PORT="${PORTAL_PG_PORT:-55432}"
export PORTAL_REDIS_PORT="${PORTAL_REDIS_PORT:-56379}"
export PORTAL_HTTP_PORT="${PORTAL_HTTP_PORT:-8000}"
VENV="${PORTAL_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
