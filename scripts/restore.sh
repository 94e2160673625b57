#!/usr/bin/env bash
# Restores a backup made by backup.sh: the database into $DATABASE_URL (its
# objects are replaced) and the uploaded files to where they were.
# Usage: restore.sh <backup-folder>
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
source_dir="${1:?usage: restore.sh <backup-folder>}"
db_url="${DATABASE_URL:-postgres://union_portal@127.0.0.1:$PORTAL_PG_PORT/union_portal}"
pg_restore --clean --if-exists --no-owner --exit-on-error --dbname="$db_url" \
  "$source_dir/database.dump"
for table in participation_ballot participation_ballotanswer; do
  if [[ -f "$source_dir/$table.copy" ]]; then
    psql "$db_url" --quiet -v ON_ERROR_STOP=1 -c "\\copy $table FROM '$source_dir/$table.copy'"
  fi
done
private="${PORTAL_PRIVATE_MEDIA_ROOT:-$ROOT/.services/private}"
media="${PORTAL_MEDIA_ROOT:-$ROOT/.services/media}"
for name in private media; do
  folder="$private"; [[ $name == media ]] && folder="$media"
  if [[ -f "$source_dir/$name.tar.gz" ]]; then
    mkdir -p "$folder"
    tar -xzf "$source_dir/$name.tar.gz" -C "$folder"
  fi
done
echo "==> restored from $source_dir"
