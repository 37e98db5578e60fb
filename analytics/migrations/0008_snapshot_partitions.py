"""The snapshot rows become a table partitioned by period on PostgreSQL (analytics/partitions.py says why), and
their customer reference loses its database constraint (Django's CASCADE stays; see the model).

Django's model state is the same on both databases; SQLite's table only loses the constraint. The version
triggers (0007) live on the table, so they come off before the rebuild and go back on the new table after it.
"""

import django.db.models.deletion
from django.db import migrations, models

from analytics import partitions, snapshot_version


def forwards(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor == "postgresql":
        snapshot_version.TRIGGERS.uninstall(conn)
        partitions.partition(conn)
        snapshot_version.TRIGGERS.install(conn)


def backwards(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor == "postgresql":
        snapshot_version.TRIGGERS.uninstall(conn)
        partitions.unpartition(conn)
        snapshot_version.TRIGGERS.install(conn)


class Migration(migrations.Migration):

    dependencies = [
        ("analytics", "0007_snapshot_version"),
        ("customers", "0003_auditlog"),
    ]

    operations = [
        migrations.AlterField(
            model_name="customersnapshot",
            name="customer",
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="snapshots", to="customers.customer"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
