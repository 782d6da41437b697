"""Jobs left ``active`` with no live in-progress run (their run was deleted before deleting gave
the job back) return to ``planned`` (issue 12): they could be neither started nor cancelled, their
plan run stayed in progress, and auto-production counted a root job as pending output for ever."""
from django.db import migrations
from django.db.models import Exists, OuterRef


def repair(apps, schema_editor):
    JobQueueEntry = apps.get_model("plans", "JobQueueEntry")
    ProductionRun = apps.get_model("runs", "ProductionRun")
    live = ProductionRun.objects.filter(job=OuterRef("pk"), status="in_progress", deleted_at__isnull=True)
    JobQueueEntry.objects.filter(status="active").filter(~Exists(live)).update(status="planned")


class Migration(migrations.Migration):
    dependencies = [
        ("runs", "0005_alter_productionrun_gcode_estimate"),
        ("plans", "0003_job_open_load_index"),
    ]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
