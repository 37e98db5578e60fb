"""The snapshot rows become a table partitioned by period on PostgreSQL (analytics/partitions.py says why), and
their customer reference loses its database constraint (Django's CASCADE stays; see the model).

The version triggers (0007) live on the table, which both steps rebuild (SQLite rebuilds a table to drop a
constraint), so they come off first and go back on the final table last, in either direction.
"""

import django.db.models.deletion
from django.db import migrations, models

from analytics import partitions, snapshot_version


def triggers_off(apps, schema_editor):
    snapshot_version.TRIGGERS.uninstall(schema_editor.connection)


def triggers_on(apps, schema_editor):
    snapshot_version.TRIGGERS.install(schema_editor.connection)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        partitions.partition(schema_editor.connection)
    triggers_on(apps, schema_editor)


def backwards(apps, schema_editor):
    triggers_off(apps, schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        partitions.unpartition(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("analytics", "0007_snapshot_version"),
        ("customers", "0003_auditlog"),
    ]

    operations = [
        migrations.RunPython(triggers_off, triggers_on),
        migrations.AlterField(
            model_name="customersnapshot",
            name="customer",
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="snapshots", to="customers.customer"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
