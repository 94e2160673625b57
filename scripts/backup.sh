#!/usr/bin/env bash
# Backs up the database (pg_dump, custom format) and the uploaded files into
# one folder: $PORTAL_BACKUP_DIR/<timestamp>/ (default backups/), or $1.
# With BACKUP_KEEP_DAYS=N (the systemd timer's env file: 14), the <timestamp>
# folders of $PORTAL_BACKUP_DIR older than N days are deleted once this backup
# is written. Usage: backup.sh [target-folder]
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
backup_dir="${PORTAL_BACKUP_DIR:-$ROOT/backups}"
keep_days="${BACKUP_KEEP_DAYS:-}"
if [[ -n "$keep_days" && ! "$keep_days" =~ ^[1-9][0-9]*$ ]]; then
  echo "BACKUP_KEEP_DAYS must be a whole number of days (1 or more), not '$keep_days'" >&2
  exit 2
fi
target="${1:-$backup_dir/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$target"
db_url="${DATABASE_URL:-postgres://union_portal@127.0.0.1:$PORTAL_PG_PORT/union_portal}"
private="${PORTAL_PRIVATE_MEDIA_ROOT:-$ROOT/.services/private}"
media="${PORTAL_MEDIA_ROOT:-$ROOT/.services/media}"
# Sessions are not kept: they hold who is signed in, and nothing in them is worth restoring.
# Nor are django-cas-ng's tickets: each row holds a session's key (its cookie).
# What was voted is copied apart, ordered by its random ids: pg_dump would copy it
# in the order it was written, the order of the voters' rows.
ballot_tables=(participation_ballot participation_ballotanswer)
pg_dump --format=custom --no-owner --exclude-table-data=django_session \
  --exclude-table-data=django_cas_ng_sessionticket \
  --exclude-table-data=django_cas_ng_proxygrantingticket \
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

# Retention: only folders named like the ones written above (YYYYmmdd-HHMMSS),
# compared by name with the cut-off, so nothing else in the folder is touched.
if [[ -n "$keep_days" ]]; then
  cutoff="$(date -d "-$keep_days days" +%Y%m%d-%H%M%S)"
  for old in "$backup_dir"/[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]; do
    [[ -d "$old" && "$(basename "$old")" < "$cutoff" && "$old" != "$target" ]] || continue
    rm -rf -- "$old"
    echo "==> deleted $old (older than $keep_days days)"
  done
fi
