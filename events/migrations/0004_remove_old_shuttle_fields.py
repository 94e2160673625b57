from django.db import migrations


class Migration(migrations.Migration):
    """The single shuttle (one seat count per event, one seat state per
    registration) is gone: its data now lives in trips and seats (0003)."""

    dependencies = [
        ("events", "0003_shuttle_trips_from_old_shuttle"),
    ]

    operations = [
        migrations.RemoveField(
            model_name='event',
            name='shuttle_departs_at',
        ),
        migrations.RemoveField(
            model_name='event',
            name='shuttle_departure_place',
        ),
        migrations.RemoveField(
            model_name='event',
            name='shuttle_seats',
        ),
        migrations.RemoveField(
            model_name='registration',
            name='shuttle',
        ),
        migrations.RemoveField(
            model_name='registration',
            name='wants_shuttle',
        ),
    ]
