from django.core.management.base import BaseCommand

from union_portal.core.calendar import seed_from_chinese_calendar


class Command(BaseCommand):
    help = (
        "Adds the holiday schedules the chinese-calendar package knows for years not yet entered."
    )

    def handle(self, *args, **options):
        added = seed_from_chinese_calendar()
        self.stdout.write(f"Years added: {', '.join(map(str, added)) or 'none'}")
