"""The chart of a results file: `python -m bench.chart <results.json> <chart.png>`.

Run by `report.write` in an environment of its own that has matplotlib (uv run --with), never the project's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def chart(results: dict[str, Any], path: Path) -> None:
    """Requests per second and latency of each scenario, beside the minimal app's (or, for a scale pass, beside the
    scale-1 figures)."""
    import matplotlib  # type: ignore[import-not-found,unused-ignore]

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # type: ignore[import-not-found,unused-ignore]

    rows = [row for row in results["scenarios"] if row.get("load") or row.get("error")]
    names = [row["name"] + ("" if row.get("load") else " (failed)") for row in rows][::-1]
    versus, label = ("scale1", "scale 1") if results.get("scale_pass") else ("minimal", "minimal app")
    latency = ("p50_ms", "median latency (ms)") if results.get("scale_pass") else ("p99_ms", "p99 latency (ms)")
    positions = list(range(len(rows)))
    height = 0.38
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 1.5 + 0.42 * max(1, len(rows))), sharey=True)
    for axis, (metric, title) in ((left, ("rps", "requests per second")), (right, latency)):
        ours = [(row.get("load") or {}).get(metric, 0.0) for row in rows][::-1]
        other = [(row.get(versus) or {}).get(metric, 0.0) for row in rows][::-1]
        axis.barh([p + height / 2 for p in positions], ours, height, label="WorkCommunities", color="#2a7ab0")
        if any(other):
            axis.barh([p - height / 2 for p in positions], other, height, label=label, color="#e0892b")
        for p, value in zip(positions, ours, strict=True):
            axis.text(value, p + height / 2, f" {value:.0f}", va="center", fontsize=7)
        axis.set_xlabel(title)
        axis.grid(axis="x", alpha=0.3)
    left.set_yticks(positions, names, fontsize=8)
    handles, labels = left.get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=2, fontsize=8, frameon=False)
    figure.suptitle(
        f"make bench {results['date']}, scale {results['scale']:g}: {results['workers']} Granian workers, "
        f"{results['connections']} connections, {results['duration_s']:g} s each, {results['load_generator']}",
        fontsize=10,
    )
    figure.tight_layout(rect=(0, 0.05, 1, 1))  # room for the legend below
    figure.savefig(path, dpi=90)
    plt.close(figure)


if __name__ == "__main__":
    chart(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]))
