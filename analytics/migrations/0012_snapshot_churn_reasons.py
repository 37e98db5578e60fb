from django.db import migrations, models


def mark_scored_periods_stale(apps, schema_editor):
    """Periods scored before this release have risks without stored reasons: the beat's stale sweep recomputes
    them (which scores them again, reasons included), so an upgraded install heals without anyone's command."""
    snapshot = apps.get_model("analytics", "CustomerSnapshot")
    stale = apps.get_model("analytics", "StalePeriod")
    periods = snapshot.objects.filter(churn_risk__isnull=False).values_list("period", flat=True).distinct()
    for period in periods:
        stale.objects.update_or_create(period=period, defaults={"reason": "churn reasons now stored with the scores"})


class Migration(migrations.Migration):

    dependencies = [
        ("analytics", "0011_crosssell_eval"),
    ]

    operations = [
        migrations.AddField(
            model_name="customersnapshot",
            name="churn_reasons",
            field=models.CharField(blank=True, default="", max_length=120),
        ),
        migrations.RunPython(mark_scored_periods_stale, migrations.RunPython.noop),
    ]
