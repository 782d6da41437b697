"""The wizard's session draft: each step's raw input, saved as the user leaves it (valid or not),
keyed by the job it starts (or ``new``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inventory.models import ItemType
from prodtrack.forms import format_duration

STEPS = ("basics", "items", "materials", "review")
STEP_TITLES = {"basics": "Basics", "items": "Items", "materials": "Materials", "review": "Review"}


def rows_from_post(data: Any, prefix: str, fields: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows a formset posted (``prefix-N-field``) as a list of ``{field: value}``."""
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), 200)
    except ValueError:
        total = 0
    return [{name: data.get(f"{prefix}-{index}-{name}", "") for name in fields} for index in range(total)]


def formset_data(rows: list[dict[str, str]], prefix: str) -> dict[str, str]:
    """Rows back into a formset's POST shape (management form included)."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data
ITEM_FIELDS = ("product", "quantity", "bed_position")
MATERIAL_FIELDS = ("material", "filament", "estimate", "spool", "estimated_weight_g", "estimated_purge_g")


@dataclass
class Draft:
    """The wizard's saved input (JSON-safe, in the session): basics as ``{field: value}``,
    items and materials as row lists; ``None`` for a step never saved."""

    job_id: int | None = None
    basics: dict[str, str] | None = None
    items: list[dict[str, str]] | None = None
    materials: list[dict[str, str]] | None = None
    gcode: dict[str, Any] | None = None

    @staticmethod
    def key(job_id: int | None) -> str:
        return f"run_wizard:{job_id or 'new'}"

    @classmethod
    def load(cls, session: Any, job_id: int | None) -> Draft:
        saved = session.get(cls.key(job_id)) or {}
        return cls(job_id=job_id, basics=saved.get("basics"), items=saved.get("items"),
                   materials=saved.get("materials"), gcode=saved.get("gcode"))

    def save(self, session: Any) -> None:
        session[self.key(self.job_id)] = {"basics": self.basics, "items": self.items, "materials": self.materials,
                                          "gcode": self.gcode}

    # -- G-code --

    def gcode_attach(self, *, file_name: str, estimate: dict[str, Any], products: list[tuple[ItemType, int]]) -> None:
        """Keep a parsed slicer file (name + estimate) and prefill from it (see the module docstring)."""
        previous = self.gcode or {}
        self._gcode_forget_materials()
        basics = dict(self.basics or {})
        seconds = estimate.get("print_time_s")
        duration = format_duration(seconds) if seconds else ""
        if duration and basics.get("estimated_duration_s", "") in ("", previous.get("duration")):
            basics["estimated_duration_s"] = duration
        slicer = " ".join(filter(None, [estimate.get("slicer"), estimate.get("slicer_version")]))
        if slicer and basics.get("slicer", "") in ("", previous.get("slicer")):
            basics["slicer"] = slicer
        self.basics = basics
        if self.job_id is None and products:
            rows = [row for row in (self.items or []) if row.get("product")]
            listed = {row["product"] for row in rows}
            rows += [{"product": str(product.pk), "quantity": str(pieces), "bed_position": ""}
                     for product, pieces in products if str(product.pk) not in listed]
            self.items = rows
        self.gcode = {"file_name": file_name, "estimate": estimate, "duration": duration, "slicer": slicer,
                      "materials_prefilled": False}

    def gcode_remove(self) -> None:
        """Forget the slicer file and what it prefilled that the user left as it was."""
        if not self.gcode:
            return
        if self.basics is not None:
            for name, value in (("estimated_duration_s", self.gcode.get("duration")),
                                ("slicer", self.gcode.get("slicer"))):
                if value and self.basics.get(name) == value:
                    self.basics[name] = ""
        self._gcode_forget_materials()
        self.gcode = None

    def _gcode_forget_materials(self) -> None:
        """Drop the rows a file added; recipe rows still on the file's grams go back to the recipes."""
        if self.materials is None:
            return
        rows = []
        for row in self.materials:
            if row.get("filament", "") != "" and not row.get("material"):
                continue
            if row.get("filament", "") != "" and row.get("estimated_weight_g") == row.get("estimate"):
                row = {**row, "estimated_weight_g": ""}
            rows.append({**row, "filament": ""})
        self.materials = rows

    def discard(self, session: Any) -> None:
        session.pop(self.key(self.job_id), None)
