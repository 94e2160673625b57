from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("care", "0001_hardship"), ("care", "0001_welfare")]
    operations = []
