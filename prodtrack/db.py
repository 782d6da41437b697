"""Database helpers the hot write paths share.

``rows_update`` is ``QuerySet.bulk_update`` in one ``UPDATE … FROM (VALUES …)`` statement. Django's
``bulk_update`` builds a ``CASE WHEN pk = … THEN …`` expression per row and field and resolves
each through the ORM; for the 30–60 rows a run completion writes (spools, stock balances, run
materials and items) that expression building was about a third of the request (measured with
``bench/production_runs.py``: 29 ms of a 92 ms completion with 20 materials and 10 parts). The
statement is the same one-round-trip write, built as plain SQL with every value passed as a
parameter and cast to its column's type; on backends other than PostgreSQL it is Django's
``bulk_update`` itself.

``columns`` and ``model_from_row`` read model instances back from a hand-written statement, as the ORM would (the
printers' one-statement usage report returns its spool with material and location).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from django.db import connections, models, router

M = TypeVar("M", bound=models.Model)


def rows_update(objs: Sequence[models.Model], fields: Sequence[str]) -> int:
    """Write ``fields`` of ``objs`` (saved instances of one model, each once) in one statement;
    returns the number of rows updated. Field values go through each field's ``get_db_prep_save``,
    as ``save()`` would; no signals, no ``auto_now`` (set such fields yourself)."""
    if not objs:
        return 0
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return model._base_manager.bulk_update(objs, fields)
    meta, quote = model._meta, connection.ops.quote_name
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    casts = [f"%s::{column.db_type(connection)}" for column in columns]
    row = f"({', '.join(casts)})"
    params: list = []
    for obj in objs:
        params.append(meta.pk.get_db_prep_save(obj.pk, connection))
        params += [column.get_db_prep_save(getattr(obj, column.attname), connection) for column in columns[1:]]
    names = [quote(column.column) for column in columns]
    assignments = ", ".join(f"{name} = v.{name}" for name in names[1:])
    sql = (f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "
           f"FROM (VALUES {', '.join([row] * len(objs))}) AS v({', '.join(names)}) WHERE t.{names[0]} = v.{names[0]}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def columns(model: type[models.Model], alias: str) -> str:
    """``alias.col1, alias.col2, …``: every concrete column of ``model`` in field order, for a
    hand-written SELECT whose rows ``model_from_row`` reads back."""
    return ", ".join(f"{alias}.{field.column}" for field in model._meta.concrete_fields)


def model_from_row(model: type[M], values: Sequence, connection) -> M:
    """An instance of ``model`` from its ``columns(model, …)`` values, each through the converters
    the ORM applies to that column on this backend (SQLite's numbers → Decimal, JSON text → dict …)."""
    fields = model._meta.concrete_fields
    converted = []
    for field, value in zip(fields, values, strict=True):
        column = field.get_col(model._meta.db_table)
        for converter in [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)]:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], converted)
