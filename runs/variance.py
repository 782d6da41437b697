"""Variance: how far reality was from the estimate (DESIGN §4).

``variance_pct = (actual − estimated) / estimated × 100``, rounded half-up to 0.1 %, and
undefined (None) when the estimate is 0 or there is no actual yet. Bands: above +10 % is
``over`` (red), below −10 % ``under`` (green), otherwise ``within`` (yellow).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runs.models import ProductionRun, ProductionRunMaterial

BAND_LIMIT_PCT = Decimal("10")
ONE_DECIMAL = Decimal("0.1")


def variance_pct(actual: Decimal | int | None, estimated: Decimal | int | None) -> Decimal | None:
    """Percent deviation of ``actual`` from ``estimated``; None when either is missing or the estimate is 0."""
    if actual is None or estimated is None or estimated == 0:
        return None
    value = (Decimal(actual) - Decimal(estimated)) / Decimal(estimated) * 100
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def variance_band(pct: Decimal | None) -> str | None:
    """``over`` (> +10 %), ``under`` (< −10 %), ``within`` otherwise; None when undefined."""
    if pct is None:
        return None
    if pct > BAND_LIMIT_PCT:
        return "over"
    if pct < -BAND_LIMIT_PCT:
        return "under"
    return "within"


@dataclass(frozen=True)
class Variance:
    """One compared quantity: ``estimated``, ``actual`` (same unit), ``difference`` and ``pct``."""

    estimated: Decimal | int | None
    actual: Decimal | int | None

    @property
    def difference(self) -> Decimal | int | None:
        if self.actual is None or self.estimated is None:
            return None
        return self.actual - self.estimated

    @property
    def pct(self) -> Decimal | None:
        return variance_pct(self.actual, self.estimated)

    @property
    def band(self) -> str | None:
        return variance_band(self.pct)

    def as_dict(self) -> dict:
        return {"estimated": self.estimated, "actual": self.actual, "difference": self.difference,
                "pct": self.pct, "band": self.band}


def material_variance(material: ProductionRunMaterial) -> dict[str, Variance]:
    """Weight, purge and total (weight + purge) variance of one run material, in grams."""
    return {
        "weight": Variance(material.estimated_weight_g, material.actual_weight_g),
        "purge": Variance(material.estimated_purge_g,
                          material.actual_purge_g if material.actual_weight_g is not None else None),
        "total": Variance(material.estimated_total_g, material.actual_total_g),
    }


def run_variance(run: ProductionRun) -> dict[str, Variance]:
    """Weight, purge, total filament (g), duration (s) and cost variance of a run, from its totals."""
    return {
        "weight": Variance(run.estimated_weight_g, run.actual_weight_g),
        "purge": Variance(run.estimated_purge_g, run.actual_purge_g),
        "total": Variance(run.estimated_total_g, run.actual_total_g),
        "duration": Variance(run.estimated_duration_s, run.actual_duration_s),
        "cost": Variance(run.estimated_cost, run.actual_cost),
    }
