"""Attachments lose their uploaded names ("张伟-身份证.pdf" on an anonymous case)
and are numbered per case instead: "Attachment 1.pdf", "Attachment 2.jpg"…"""

from django.db import migrations, models


def number_per_case(apps, schema_editor):
    Attachment = apps.get_model("grievances", "Attachment")
    numbers = {}
    for attachment in Attachment.objects.order_by("grievance_id", "created_at", "id"):
        numbers[attachment.grievance_id] = numbers.get(attachment.grievance_id, 0) + 1
        attachment.number = numbers[attachment.grievance_id]
        attachment.name = ""
        attachment.save(update_fields=["number", "name"])


class Migration(migrations.Migration):
    dependencies = [("grievances", "0003_receipt_follow_key")]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="number",
            field=models.PositiveSmallIntegerField(null=True),
        ),
        migrations.RunPython(number_per_case, migrations.RunPython.noop),
        migrations.RemoveField(model_name="attachment", name="name"),
        migrations.AlterField(
            model_name="attachment",
            name="number",
            field=models.PositiveSmallIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="attachment",
            constraint=models.UniqueConstraint(
                fields=("grievance", "number"), name="attachment_number_per_case"
            ),
        ),
    ]
