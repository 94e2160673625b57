"""The report's cached figures are stale after any write to the data they count.

The report reads five apps; rather than a bump in each app's services (which it
only reads), every save or delete of a counted model bumps the report's version
here, the admin's edits included. The few conditional `.update()`s in services
(finalising a notice, moving a deadline) change no figure; the cache's five-minute
timeout covers anything else.
"""

from django.db.models.signals import post_delete, post_save

from union_portal.core import cache_versions

VERSION = "annual_report"

WATCHED = (
    "events.Event",
    "events.Venue",
    "events.Registration",
    "grievances.Grievance",
    "grievances.GrievanceEvent",
    "notices.Notice",
    "notices.NoticeVersion",
    "notices.FundLine",
    "notices.Objection",
    "participation.Proposal",
    "participation.ProposalEvent",
    "annual_report.ReportSettings",
    "care.Handout",
    "care.Pickup",
    "care.HardshipFile",
    "care.SupportRecord",
)


def _bump(sender, **kwargs):
    cache_versions.bump(VERSION)


def connect():
    from django.apps import apps

    for label in WATCHED:
        model = apps.get_model(label)
        post_save.connect(_bump, sender=model, dispatch_uid=f"annual_report:save:{label}")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"annual_report:delete:{label}")
