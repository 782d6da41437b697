"""Printers writes (DESIGN §7), one module per concern: ``tokens`` (a printer's Spoolman address),
``usage`` (reports folded into usage sessions; usage no run took given to a run or recorded as
one), ``spools`` (spools registered and changed through the Spoolman API) and ``settings``
(Spoolman's settings and extra fields). This package exposes them as one API."""
from printers.services.settings import extra_field_delete, extra_field_set, spoolman_setting_set
from printers.services.spools import extra_values_validate, spool_field_value_rename, spool_patch, spool_register
from printers.services.tokens import printer_token_create, printer_token_revoke, printer_token_seen
from printers.services.usage import (
    IDLE_AFTER,
    REFERENCE_USAGE_SESSION,
    PrintedItem,
    grams_from_length,
    spool_use,
    usage_session_attribute,
    usage_session_close,
    usage_session_record_run,
    usage_sessions_close_idle,
)

__all__ = [
    "IDLE_AFTER",
    "REFERENCE_USAGE_SESSION",
    "PrintedItem",
    "extra_field_delete",
    "extra_field_set",
    "extra_values_validate",
    "grams_from_length",
    "printer_token_create",
    "printer_token_revoke",
    "printer_token_seen",
    "spool_field_value_rename",
    "spool_patch",
    "spool_register",
    "spool_use",
    "spoolman_setting_set",
    "usage_session_attribute",
    "usage_session_close",
    "usage_session_record_run",
    "usage_sessions_close_idle",
]
