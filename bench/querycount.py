"""Counts each page's SQL queries in-process (Django's test client), against the
database that DATABASE_URL names. Run by bench/run.py once per data set:

    python -m bench.querycount fixture.json counts.json

(a file, not stdout: the portal logs JSON lines on stdout.)
"""

import json
import sys


def main(fixture_path: str, output_path: str) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.pages import admin_pages, floors, pages

    with open(fixture_path) as f:
        fixture = json.load(f)
    user_model = get_user_model()
    clients = {"anonymous": Client()}
    for role, user_id in fixture["users"].items():
        clients[role] = Client()
        clients[role].force_login(
            user_model.objects.get(pk=user_id), backend="django.contrib.auth.backends.ModelBackend"
        )
    result = {}
    for name, role, path in [*floors(), *pages(fixture), *admin_pages(fixture)]:
        client = clients[role]
        client.get(path)  # the first request fills per-process caches (content types...)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        result[name] = {"status": response.status_code, "queries": len(queries.captured_queries)}
    with open(output_path, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
