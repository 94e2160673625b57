#!/usr/bin/env bash
# Installs what the portal needs on a fresh Debian 12 machine: system packages
# (only those missing), a virtualenv with the pinned Python dependencies, and
# the compiled translations. Safe to run again.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

with_browser=0
[[ "${1:-}" == "--with-browser" ]] && with_browser=1

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
