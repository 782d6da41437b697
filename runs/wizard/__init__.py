"""The create-run wizard (``/runs/new/``): ``forms`` (one per step), ``draft`` (what an operator
entered in its four steps, kept in the session) and ``flow`` (the draft turned into forms,
estimates and errors, and Create's arguments).

Steps: ``basics`` (when, which printer, slicer, time, temperatures), ``items`` (products and
pieces), ``materials`` (one spool per material the recipes need, grams, purge) and ``review``.
Each step's raw input is saved as the user leaves it, valid or not, so Back and Forward keep
what was typed; only Create turns the draft into a run, through the same services as the API
(``production_run_create``, or ``job_start`` when the wizard starts a queued job).

A draft is keyed by the job it starts (or ``new``), so two tabs starting two jobs keep two drafts.
Rows are stored as lists of ``{field: value}`` strings and turned into Django formsets to
validate and render.

G-code (issue 7): step 1 takes a slicer file. The draft keeps its **name and parsed estimate**
(``dataclasses.asdict``), never the file. Uploading prefills what is still blank or was
prefilled by an earlier file: the print time and slicer in basics; the items, when no product
is chosen yet, from the file's objects × copies whose name matches a product
(``inventory.gcode_match``: ``torus.stl`` ↔ "Torus"), otherwise matching products not listed yet
are added; in materials each recipe material takes the grams of the file's filament of that
material (best match per ``inventory.gcode_match``), and filaments no recipe material takes get a
row of their own with the suggested spool until the materials step is first saved. Grams
typed by the user stay. Removing the file forgets the estimate, blanks the print time and
slicer it filled (if unchanged) and drops the filament rows; items stay as they are.
"""
