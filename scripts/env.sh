# Shared settings for the scripts; sourced, never run. Every value can be
# overridden from the environment.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PORTAL_SERVICES_DIR="${PORTAL_SERVICES_DIR:-$ROOT/.services}"
export PORTAL_PG_PORT="${PORTAL_PG_PORT:-55432}"
export PORTAL_REDIS_PORT="${PORTAL_REDIS_PORT:-56379}"
export PORTAL_HTTP_PORT="${PORTAL_HTTP_PORT:-8000}"
VENV="${PORTAL_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"

# The host names `make demo` answers to: this machine's names and addresses,
# never "*" (with "*", a request with a forged Host header gets links to that
# host into its password-reset mail).
demo_allowed_hosts() {
  local hosts="localhost,127.0.0.1,[::1]" name address
  name="$(hostname 2>/dev/null || true)"
  [[ -n "$name" ]] && hosts+=",$name"
  for address in $(hostname -I 2>/dev/null || true); do
    if [[ "$address" == *:* ]]; then hosts+=",[$address]"; else hosts+=",$address"; fi
  done
  echo "$hosts"
}
