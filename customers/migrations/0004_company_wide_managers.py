import django.db.models.deletion
from django.db import migrations, models


def mark_company_wide(apps, schema_editor):
    """Create the company_wide group and put in it every manager who has no region today.

    Until now a manager with no region saw every customer; from now on they see nothing unless marked. Marking the
    existing ones keeps what each manager sees across the upgrade (an admin clears the mark where it was not meant).
    """
    Group = apps.get_model("auth", "Group")
    ManagerRegion = apps.get_model("customers", "ManagerRegion")
    wide, _ = Group.objects.get_or_create(name="company_wide")
    manager = Group.objects.filter(name="manager").first()
    if manager is None:
        return
    regional = ManagerRegion.objects.values("user_id")
    for user in manager.user_set.exclude(id__in=regional):
        user.groups.add(wide)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_auditlog"),
    ]

    operations = [
        migrations.AlterField(
            model_name="managerregion",
            name="region",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="managers",
                                    to="customers.region"),
        ),
        migrations.RunPython(mark_company_wide, migrations.RunPython.noop),
    ]
