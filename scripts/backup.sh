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
# What was voted is copied apart, ordered by its random ids: pg_dump would copy it
# in the order it was written, the order of the voters' rows.
ballot_tables=(participation_ballot participation_ballotanswer)
pg_dump --format=custom --no-owner --exclude-table-data=django_session \
  "${ballot_tables[@]/#/--exclude-table-data=}" --file="$target/database.dump" "$db_url"
for table in "${ballot_tables[@]}"; do
  psql "$db_url" --quiet -v ON_ERROR_STOP=1 \
    -c "\\copy (SELECT * FROM $table ORDER BY id) TO '$target/$table.copy'"
done
for name in private media; do
  folder="$private"; [[ $name == media ]] && folder="$media"
  mkdir -p "$folder"
  tar -czf "$target/$name.tar.gz" -C "$folder" .
done
echo "==> backup written to $target"
