"""Constants for the browser tests (Playwright): where screenshots go, and what says a chart is drawn."""
from __future__ import annotations

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

# True once Chart.js has drawn a chart on each canvas id and finished animating it (a screenshot
# taken earlier shows the lines on their way up). Use: ``page.wait_for_function(CHARTS_DRAWN, arg=[ids])``.
CHARTS_DRAWN = """(ids) => window.Chart && ids.every((id) => {
  const chart = Chart.getChart(document.getElementById(id));
  return chart && !Chart.animator.running(chart);
})"""
