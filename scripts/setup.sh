#!/usr/bin/env bash
# Installs what the portal needs on a fresh Debian 12 machine: system packages
# (only those missing), a virtualenv with the pinned Python dependencies, and
# the compiled translations. Safe to run again.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

# --with-browser: Chromium for the browser tests; --with-topology: nginx and
# openssl for the topology test (tests/topology). Only `make test` asks for them.
with_browser=0
with_topology=0
for flag in "$@"; do
  case "$flag" in
    --with-browser) with_browser=1 ;;
    --with-topology) with_topology=1 ;;
    *) echo "usage: $0 [--with-browser] [--with-topology]" >&2; exit 2 ;;
  esac
done

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v msgfmt >/dev/null || missing+=(gettext)
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
if (( with_browser )) && [[ ! -x /usr/bin/chromium ]]; then
  missing+=(chromium)
fi
# A Chinese font, so that browser tests lay pages out as a member's phone does
# (without one, Chinese text is drawn as narrow boxes and a header that wraps looks fine).
if (( with_browser )) && ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  missing+=(fonts-wqy-microhei)
fi
if (( with_topology )); then
  [[ -x /usr/sbin/nginx ]] || command -v nginx >/dev/null || missing+=(nginx)
  command -v openssl >/dev/null || missing+=(openssl)
fi
if (( ${#missing[@]} )); then
  echo "==> installing system packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

if [[ ! -x "$PY" ]]; then
  echo "==> creating virtualenv in $VENV"
  python3 -m venv "$VENV"
fi
stamp="$VENV/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
if [[ ! -f "$stamp" ]]; then
  echo "==> installing Python dependencies"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -e '.[dev]'
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi

echo "==> compiling translations"
"$PY" manage.py compilemessages --ignore=.venv -v 0
