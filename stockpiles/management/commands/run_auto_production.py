"""``manage.py run_auto_production [--tenant CODE]``: one auto-production tick now, by hand."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from prodtrack.models import Tenant
from stockpiles.models import AutoProductionRun
from stockpiles.services import auto_production_tick


def describe(run: AutoProductionRun) -> str:
    """``ACME: tick 12 succeeded — 2 plan runs created (41 pieces), 1 group skipped (cooldown), 0 failed``."""
    head = f"{run.tenant.short_code}: tick {run.pk} {run.status}"
    if run.status == AutoProductionRun.Status.FAILED:
        return f"{head} — {run.error_code}: {run.error_message}"
    if run.status == AutoProductionRun.Status.SKIPPED:
        return f"{head} — {run.output.get('message', '')}"
    output = run.output or {}
    created, skipped, failed = output.get("plan_runs", []), output.get("skipped", []), output.get("failed", [])
    reasons = sorted({entry["reason"] for entry in skipped})
    lines = [f"{head} — {len(created)} plan run(s) created ({sum(e['quantity'] for e in created)} pieces), "
             f"{len(skipped)} group(s) skipped" + (f" ({', '.join(reasons)})" if reasons else "")
             + f", {len(failed)} failed"]
    lines += [f"  + plan run {e['plan_run_id']}: {e['quantity']} × {e['plan']['name']} for {e['owner']['username']}"
              for e in created]
    lines += [f"  ! {e['plan']['name']} for {e['owner']['username']}: {e['error_code']}: {e['message']}"
              for e in failed]
    return "\n".join(lines)


class Command(BaseCommand):
    help = ("Run one auto-production tick now (for one tenant, or every tenant with auto-production markers) "
            "and print what it did. It is not de-duplicated against the beat window.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", metavar="CODE", help="Short code of the tenant (default: all).")

    def handle(self, *args, tenant: str | None = None, **options) -> None:
        chosen = None
        if tenant:
            chosen = Tenant.objects.filter(short_code=tenant.strip().upper()).first()
            if chosen is None:
                raise CommandError(f"--tenant: no tenant with short code {tenant!r}.")
        runs = auto_production_tick(triggered_by=AutoProductionRun.Trigger.COMMAND, tenant=chosen)
        if not runs:
            self.stdout.write("No tenant has a stockpile marker with auto-production on; nothing to do.")
        for run in runs:
            self.stdout.write(describe(run))
