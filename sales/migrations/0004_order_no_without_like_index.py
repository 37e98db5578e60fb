"""Drop the pattern-ops index Django adds beside every unique CharField on PostgreSQL, for order_no.

It serves only LIKE 'prefix%' searches, and nothing searches order numbers by prefix: the import looks them up by
equality (= ANY), which the unique index serves, and the admin's search is a substring match that no B-tree
serves. Each imported order paid one more B-tree insertion for it, though an A/B of a 1M-line import showed no
measurable difference in time (BENCHMARKS.md, fourth session); it also took about 70 MB at the reference scale.
SQLite never had it.
"""

from django.db import migrations

INDEX = "sales_order_order_no_25c73191_like"


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


def restore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON sales_order (order_no varchar_pattern_ops)")


class Migration(migrations.Migration):

    dependencies = [("sales", "0003_fewer_write_indexes")]

    operations = [migrations.RunPython(drop, restore)]
