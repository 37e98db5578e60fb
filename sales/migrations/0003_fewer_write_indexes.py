"""Three indexes that only cost writes: each duplicated one that stays.

- orderline_product and the product FK's own index were the same index on sales_orderline(product_id);
- sales_orderline(order_id) is the leading column of orderline_unique_line_no;
- sales_order(customer_id) is the leading column of order_customer_date.

Each was one more B-tree to write per imported row and about 250 MB of disk between them at the reference scale;
an A/B of a 1M-line import showed no measurable difference in time (BENCHMARKS.md, fourth session).
The indexes are dropped by name, not through AlterField: SQLite would rebuild the tables for AlterField and lose
sales_order's rollup triggers (sales.rollup) with them.
"""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = (  # (index, table, column): the names Django gave them in 0001
    ("orderline_product", "sales_orderline", "product_id"),
    ("sales_orderline_order_id_9f597de6", "sales_orderline", "order_id"),
    ("sales_order_customer_id_798c889f", "sales_order", "customer_id"),
)


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0003_auditlog'),
        ('sales', '0002_customer_month'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name='orderline', name='orderline_product'),
                migrations.AlterField(
                    model_name='order',
                    name='customer',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name='orders', to='customers.customer'),
                ),
                migrations.AlterField(
                    model_name='orderline',
                    name='order',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name='lines', to='sales.order'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {name}", f"CREATE INDEX {name} ON {table} ({column})")
                for name, table, column in DROPPED
            ],
        ),
    ]
