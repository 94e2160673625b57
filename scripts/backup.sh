#!/usr/bin/env bash
# Backs up the database (pg_dump, custom format) and the uploaded files into
# one folder: backups/<timestamp>/ (or $1). Usage: backup.sh [target-folder]
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
target="${1:-$ROOT/backups/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$target"
db_url="${DATABASE_URL:-postgres://union_portal@127.0.0.1:$PORTAL_PG_PORT/union_portal}"
private="${PORTAL_PRIVATE_MEDIA_ROOT:-$ROOT/.services/private}"
media="${PORTAL_MEDIA_ROOT:-$ROOT/.services/media}"
# Sessions are not kept: they hold who is signed in, and nothing in them is worth restoring.
pg_dump --format=custom --no-owner --exclude-table-data=django_session \
  --file="$target/database.dump" "$db_url"
for name in private media; do
  folder="$private"; [[ $name == media ]] && folder="$media"
  mkdir -p "$folder"
  tar -czf "$target/$name.tar.gz" -C "$folder" .
done
echo "==> backup written to $target"
