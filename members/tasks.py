from celery import shared_task
from django.utils import translation

from . import services


@shared_task(name="members.check_roster_import")
def check_roster_import(roster_import_id, language=None):
    # The preview's row messages are kept in the uploader's language.
    with translation.override(language):
        services.roster_import_check(roster_import_id=roster_import_id)


@shared_task(name="members.run_roster_import")
def run_roster_import(roster_import_id):
    services.roster_import_run(roster_import_id=roster_import_id)


@shared_task(name="members.forget_abandoned_roster_imports")
def forget_abandoned_roster_imports():
    return services.roster_import_forget_abandoned()
