"""Many requests at the same moment, each in a thread with its own database
connection, as many members pressing a button at once."""

import threading

from django.db import connection


def at_once(attempt, items, *, refusal=()):
    """Calls `attempt(item)` for every item in its own thread, all released
    together. Returns (results, refused, errors): what the calls returned, the
    `refusal` exceptions they raised (a rule saying no), and any other exception."""
    start = threading.Barrier(len(items))
    results, refused, errors = [], [], []

    def run(item):
        try:
            start.wait()
            results.append(attempt(item))
        except refusal as exc:
            refused.append((item, exc))
        except Exception as exc:  # noqa: BLE001 - returned to the test, which asserts on it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, refused, errors
