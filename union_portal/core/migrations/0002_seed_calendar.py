from django.db import migrations


def seed(apps, schema_editor):
    from union_portal.core.calendar import seed_from_chinese_calendar

    seed_from_chinese_calendar(
        day_model=apps.get_model("core", "CalendarDay"),
        year_model=apps.get_model("core", "CalendarYear"),
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
