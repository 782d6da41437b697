"""On PostgreSQL, make the auto-production run log append-only in the database itself (like the
inventory ledger, inventory 0003): DELETE raises; UPDATE raises unless it only writes status,
started_at (once), finished_at (once), metrics, output and the error fields, and moves the status
forward (queued → running | skipped | failed, running → succeeded | failed; a running row may be
rewritten in place, a finished one never). TRUNCATE, used only by test teardown, is not a row event."""
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION stockpiles_auto_production_run_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'auto-production runs are append-only (DELETE of run % refused)', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.tenant_id IS DISTINCT FROM OLD.tenant_id
       OR NEW.idempotency_key IS DISTINCT FROM OLD.idempotency_key
       OR NEW.triggered_by IS DISTINCT FROM OLD.triggered_by
       OR NEW.requested_by_id IS DISTINCT FROM OLD.requested_by_id
       OR NEW.window_start IS DISTINCT FROM OLD.window_start
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR (OLD.started_at IS NOT NULL AND NEW.started_at IS DISTINCT FROM OLD.started_at)
       OR (OLD.finished_at IS NOT NULL AND NEW.finished_at IS DISTINCT FROM OLD.finished_at) THEN
        RAISE EXCEPTION 'auto-production run %: only status, finished_at, metrics, output and the error change', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NOT ((OLD.status = 'running' AND NEW.status = 'running')
            OR (OLD.status, NEW.status) IN (('queued', 'running'), ('queued', 'skipped'), ('queued', 'failed'),
                                            ('running', 'succeeded'), ('running', 'failed'))) THEN
        RAISE EXCEPTION 'auto-production run %: % -> % is not a forward transition', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER stockpiles_auto_production_run_guard
    BEFORE UPDATE OR DELETE ON stockpiles_autoproductionrun
    FOR EACH ROW EXECUTE FUNCTION stockpiles_auto_production_run_guard();
"""
DROP = """
DROP TRIGGER IF EXISTS stockpiles_auto_production_run_guard ON stockpiles_autoproductionrun;
DROP FUNCTION IF EXISTS stockpiles_auto_production_run_guard();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("stockpiles", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
