"""Visit.created_by becomes logged_by: the same column's values (who typed the visit in), under the name the
profile shows ("logged by X"); renamed rather than added so no visit loses who logged it. Kinds' labels capitalised."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0005_api_tokens"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="visit", old_name="created_by", new_name="logged_by"),
        migrations.AlterField(
            model_name="visit",
            name="kind",
            field=models.CharField(
                choices=[("onsite", "On-site"), ("phone", "Phone"), ("message", "Message")], default="onsite",
                max_length=16, verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="visit",
            name="logged_by",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                to=settings.AUTH_USER_MODEL, verbose_name="logged by",
            ),
        ),
    ]
