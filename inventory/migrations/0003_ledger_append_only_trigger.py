"""On PostgreSQL, make the ledger append-only in the database itself: UPDATE and DELETE of an
inventory transaction row raise. (TRUNCATE, used only by test teardown, is not a row event.)"""
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION inventory_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'inventory transactions are append-only (% refused); post a reversal', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER inventory_ledger_append_only
    BEFORE UPDATE OR DELETE ON inventory_inventorytransaction
    FOR EACH ROW EXECUTE FUNCTION inventory_ledger_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS inventory_ledger_append_only ON inventory_inventorytransaction;
DROP FUNCTION IF EXISTS inventory_ledger_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
