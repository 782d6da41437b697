"""``manage.py seed_demo [--once]``: the demo print farm, tenant DEMO (built by ``demo.services.demo_seed``).

The demo users get the password from ``$DEMO_PASSWORD``, or a generated one that is printed;
existing users keep theirs.
"""
from __future__ import annotations

import os
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.crypto import get_random_string
from tqdm import tqdm

from demo.data import DEMO_NAME, DEMO_SHORT_CODE, HISTORY_DAYS, USERS
from demo.selectors import demo_exists
from demo.services import DemoSummary, demo_seed
from inventory.catalog import read_catalog
from prodtrack.exceptions import ApplicationError

PASSWORD_ENV = "DEMO_PASSWORD"


class Command(BaseCommand):
    help = (f"Create the demo tenant {DEMO_SHORT_CODE} ({DEMO_NAME}) with users, the filament catalog, "
            f"printers, products with recipes, production plans, and {HISTORY_DAYS} days of spool, production "
            f"and plan-run history.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true",
                            help=f"Do nothing (successfully) when tenant {DEMO_SHORT_CODE} already exists.")

    def handle(self, *args, once: bool, **options) -> None:
        if demo_exists():
            if once:
                self.stdout.write(f"Tenant {DEMO_SHORT_CODE} already exists; nothing to do.")
                return
            raise CommandError(f"Tenant {DEMO_SHORT_CODE} already exists. Run with --once to skip seeding "
                               f"when it exists.")
        password = os.environ.get(PASSWORD_ENV) or get_random_string(16)
        try:
            entries = read_catalog()
            summary = demo_seed(entries=entries, password=password, now=timezone.now(),
                                catalog_progress=self._catalog_progress(total=len(entries)))
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self._report(summary, password=password)

    def _catalog_progress(self, *, total: int) -> Callable[[int], None]:
        """A progress bar of the catalog import (on a terminal only), closed once ``total`` entries are in."""
        bar = tqdm(total=total, desc=f"Importing into {DEMO_SHORT_CODE}", unit="item", disable=not self.stdout.isatty())

        def advance(done: int) -> None:
            bar.update(done)
            if bar.n >= total:
                bar.close()

        return advance

    def _report(self, summary: DemoSummary, *, password: str) -> None:
        self.stdout.write(self.style.SUCCESS(
            f"Created {summary.tenant}: {summary.materials} catalog materials, {summary.locations} locations, "
            f"{summary.printers} printers, {summary.benches} assembly bench, {summary.spools} spools, "
            f"{summary.products} products, {summary.recipes} recipes."))
        runs = summary.history
        self.stdout.write(
            f"Runs over {HISTORY_DAYS} days: {runs.runs} ({runs.completed} completed, {runs.failed} failed, "
            f"{runs.cancelled} cancelled, {runs.in_progress} in progress; {runs.reprints} reprints); "
            f"{runs.deliveries} spool deliveries and {runs.reorders} reorders.")
        plans = summary.plans
        described = "; ".join(
            f"{name}: {steps} steps, {levels} levels" + (f", {places} locations" if places > 1 else "")
            + (", transport" if transport else "") for name, steps, levels, places, transport in plans.plans)
        statuses, jobs = plans.plan_runs, plans.jobs
        self.stdout.write(
            f"Plans: {len(plans.plans)} ({described}). Plan runs: {sum(statuses.values())} "
            f"({statuses['pending']} pending, {statuses['in_progress']} in progress, {statuses['completed']} "
            f"completed) with {sum(jobs.values())} jobs ({jobs['planned']} planned, {jobs['active']} active, "
            f"{jobs['completed']} completed, {jobs['cancelled']} cancelled) and {plans.transport_jobs} "
            f"transport jobs.")
        self.stdout.write(
            f"Stockpile markers: {summary.markers} ({summary.auto_markers} with auto-production on: the first "
            f"auto-production tick generates their plan runs).")
        for name, role in USERS:
            if name not in summary.new_users:
                self.stdout.write(f"  {name} ({role}): existing user, password unchanged")
            elif os.environ.get(PASSWORD_ENV):
                self.stdout.write(f"  {name} ({role}): password from ${PASSWORD_ENV}")
            else:
                self.stdout.write(f"  {name} ({role}): password {password}")
