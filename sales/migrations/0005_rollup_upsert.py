"""Reinstall the rollup triggers as upserts (sales/rollup.py: concurrent writers of one customer-month no longer
raise a unique violation), then rebuild the rollup so it starts exact."""

from django.db import migrations

from sales import rollup


def reinstall(apps, schema_editor):
    rollup.TRIGGERS.uninstall(schema_editor.connection)
    rollup.TRIGGERS.install(schema_editor.connection)
    rollup.rollup_rebuild(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("sales", "0004_order_no_without_like_index")]

    # Backwards keeps the new triggers: they compute the same table as the old ones.
    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
