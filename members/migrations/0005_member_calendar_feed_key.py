import django.contrib.postgres.functions
import django.db.models.functions.comparison
import django.db.models.functions.text
from django.db import migrations, models

import members.models


def give_each_member_a_key(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    for pk in Member.objects.filter(calendar_feed_key__isnull=True).values_list("pk", flat=True):
        Member.objects.filter(pk=pk).update(
            calendar_feed_key=members.models.new_calendar_feed_key()
        )


class Migration(migrations.Migration):
    """Personal calendar feeds move from a signed user id (forgeable with the
    secret key, never revocable) to a random key per member: every old feed URL
    stops working, and members copy the new one from "My events"."""

    dependencies = [
        ("members", "0004_member_email_normalised"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="calendar_feed_key",
            field=models.CharField(
                editable=False, max_length=43, null=True, verbose_name="calendar feed key"
            ),
        ),
        migrations.RunPython(give_each_member_a_key, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="member",
            name="calendar_feed_key",
            field=models.CharField(
                db_default=django.db.models.functions.text.Replace(
                    django.db.models.functions.comparison.Cast(
                        django.contrib.postgres.functions.RandomUUID(), models.TextField()
                    ),
                    models.Value("-"),
                    models.Value(""),
                ),
                default=members.models.new_calendar_feed_key,
                editable=False,
                max_length=43,
                unique=True,
                verbose_name="calendar feed key",
            ),
        ),
    ]
