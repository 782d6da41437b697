"""Production run pages, one module per screen: ``browse`` (list, detail, variance dashboard,
starting a job), ``wizard`` (the four-step create), ``complete`` (the complete form and its live
variance preview), ``edit`` (edit, fail, cancel/void, delete, reprint)."""
