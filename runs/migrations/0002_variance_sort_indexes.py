"""Indexes for sorting runs by variance, PostgreSQL only (SQLite cannot index NULLS LAST)."""

from django.db import migrations

INDEXES = {
    "run_tenant_variance": "tenant_id, variance_pct DESC NULLS LAST, id DESC",
    "run_tenant_status_variance": "tenant_id, status, variance_pct DESC NULLS LAST, id DESC",
}


def create_indexes(apps, schema_editor):
    """The list's "sort by variance" (highest first, runs without variance last) served by an index."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX {name} ON runs_productionrun ({columns}) WHERE deleted_at IS NULL")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ('runs', '0001_initial'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='productionrun',
            name='run_tenant_variance',
        ),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
