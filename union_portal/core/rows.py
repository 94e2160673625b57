"""Model instances from rows read in SQL as written (a page's hot read whose ORM
query took longer to build than the database to answer it)."""

from django.db.models import DEFERRED


def instance(model, values: dict):
    """An instance of `model` as the database gave it (`from_db`), holding `values`
    (by attname) and nothing else: any other field is deferred, read if asked for."""
    return model.from_db(
        "default", list(values),
        [values.get(field.attname, DEFERRED) for field in model._meta.concrete_fields],
    )  # fmt: skip
