# Additive: Run.heartbeat_at, the worker's last sign of life (orphaned-run reaper, ADR 0011).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("indicators", "0004_observation_key_by_import"),
    ]

    operations = [
        migrations.AddField(
            model_name="run",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
