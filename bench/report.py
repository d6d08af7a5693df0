"""Targets, the printed table, the results file and its chart.

The targets are issue 9's (item 3), checked here and printed one per line, never as timed unit tests:

- feed page 1, feed random page, followed feed: at least 0.7x the minimal app's requests per second on the same
  scenario;
- every other read: at least 0.5x the minimal app's feed-page-1 requests per second;
- every read: p99 at most 2x the minimal app's feed-page-1 p99;
- every read: at most 2 SQL statements per request (authentication included);
- every worker's peak RSS under 150 MB after the run;
- `--scale-pass`: the median latency of the long lists' first and cursor pages at most 1.5x their scale-1 figure;
- any scenario with a non-2xx answer or a socket error fails.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SAME_RATIO = 0.7
OTHER_RATIO = 0.5
P99_RATIO = 2.0
MAX_STATEMENTS = 2
MAX_RSS_MB = 150.0
SCALE_RATIO = 1.5
MATPLOTLIB = "matplotlib>=3.9,<4"
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Line:
    ok: bool | None  # None: could not be judged (a figure is missing)
    text: str

    def __str__(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL' if self.ok is False else 'n/a '}  {self.text}"


def _ratio(value: float, base: float) -> float:
    return value / base if base else 0.0


def targets(results: dict[str, Any], reference: dict[str, Any] | None) -> list[Line]:
    rows = {row["key"]: row for row in results["scenarios"]}
    minimal_feed = (rows.get("feed_page1") or {}).get("minimal") or {}
    reads = [row for row in results["scenarios"] if row["kind"] == "read"]
    measured = [row for row in reads if row.get("load")]
    lines = [
        Line(False, f"{row['name']}: not measured ({row.get('error') or 'no result'})")
        for row in reads
        if not row.get("load")
    ]
    if any(row.get("minimal") for row in results["scenarios"]):
        lines += [throughput(row, minimal_feed) for row in measured if row["target"]]
        lines += [tail(row, minimal_feed) for row in measured]
    else:
        lines.append(Line(None, "req/s and p99 against the minimal app: not measured in this run"))
    for row in reads:
        statements = row.get("statements")
        if statements is None:
            lines.append(Line(None, f"{row['name']}: SQL statements per request not counted"))
        else:
            text = f"{statements} SQL statements per request <= {MAX_STATEMENTS}"
            lines.append(Line(statements <= MAX_STATEMENTS, f"{row['name']}: {text}"))
    if rss := results.get("worker_rss_mb"):
        shown = ", ".join(f"{value:.0f}" for value in rss)
        lines.append(Line(max(rss) < MAX_RSS_MB, f"worker peak RSS {shown} MB < {MAX_RSS_MB:.0f} MB"))
    else:  # no worker process was found to read: the target is not met for want of a figure
        lines.append(Line(False, f"worker peak RSS < {MAX_RSS_MB:.0f} MB: no Granian worker found to measure"))
    if reference is not None:
        lines += scale_targets(results, reference)
    failed = [
        row
        for row in results["scenarios"]
        if row.get("error") or (row.get("load") or {}).get("errors") or (row.get("minimal") or {}).get("errors")
    ]
    for row in failed:
        own, minimal = row.get("load") or {}, row.get("minimal") or {}
        what = row.get("error") or (
            f"{own.get('errors', 0)} errors {own.get('statuses') or ''} (minimal app: {minimal.get('errors', 0)})"
        )
        lines.append(Line(False, f"{row['name']}: {what}"))
    if not failed:
        lines.append(Line(True, "no errors in any scenario"))
    return lines


def throughput(row: dict[str, Any], minimal_feed: dict[str, Any]) -> Line:
    own = row["load"]
    if row["target"] == "same":
        base, ratio, versus = (row.get("minimal") or {}).get("rps"), SAME_RATIO, "minimal"
    else:
        base, ratio, versus = minimal_feed.get("rps"), OTHER_RATIO, "minimal feed page 1"
    if not base:
        return Line(None, f"{row['name']}: req/s against {versus} (not measured)")
    text = f"{own['rps']:.0f} req/s >= {ratio} x {versus} {base:.0f} ({_ratio(own['rps'], base):.2f}x)"
    return Line(own["rps"] >= ratio * base, f"{row['name']}: {text}")


def tail(row: dict[str, Any], minimal_feed: dict[str, Any]) -> Line:
    own, base = row["load"], minimal_feed.get("p99_ms")
    if not base:
        return Line(None, f"{row['name']}: p99 against the minimal feed's (not measured)")
    text = (
        f"p99 {own['p99_ms']:.1f} ms <= {P99_RATIO} x minimal feed p99 {base:.1f} ms "
        f"({_ratio(own['p99_ms'], base):.2f}x)"
    )
    return Line(own["p99_ms"] <= P99_RATIO * base, f"{row['name']}: {text}")


def scale_targets(results: dict[str, Any], reference: dict[str, Any]) -> list[Line]:
    """Median latency against the scale-1 results file (p99 shown, not judged: a shared machine's tail is noise)."""
    before = {row["key"]: row.get("load") for row in reference["scenarios"]}
    lines = []
    for row in results["scenarios"]:
        own, old = row.get("load"), before.get(row["key"])
        if not own:
            continue
        if not old:
            lines.append(Line(None, f"{row['name']}: not in the scale-1 results {reference['file']}"))
            continue
        ratio = _ratio(own["p50_ms"], old["p50_ms"])
        text = (
            f"{row['name']} at scale {results['scale']:g}: p50 {own['p50_ms']:.1f} ms <= {SCALE_RATIO} x "
            f"{old['p50_ms']:.1f} ms at scale 1 ({ratio:.2f}x; p99 {own['p99_ms']:.1f} vs {old['p99_ms']:.1f} ms)"
        )
        lines.append(Line(ratio <= SCALE_RATIO, text))
    return lines


def table(results: dict[str, Any]) -> str:
    header = (
        f"{'scenario':28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'SQL':>4}"
        f"  {'minimal req/s':>13} {'p99 ms':>8} {'ratio':>6}"
    )
    out = [header, "-" * len(header)]
    for row in results["scenarios"]:
        own, minimal = row.get("load") or {}, row.get("minimal") or {}
        statements = row.get("statements")
        cells = f"{row['name']:28} "
        if own:
            cells += f"{own['rps']:8.0f} {own['p50_ms']:8.1f} {own['p99_ms']:8.1f} {own['errors']:6d}"
        else:
            cells += f"{'failed':>8} {'':8} {'':8} {'':6}"
        cells += f" {'' if statements is None else statements:>4}"
        if minimal:
            ratio = _ratio(own.get("rps", 0.0), minimal["rps"])
            cells += f"  {minimal['rps']:13.0f} {minimal['p99_ms']:8.1f} {ratio:5.2f}x"
        out.append(cells.rstrip())
    if rss := results.get("worker_rss_mb"):
        out.append(f"worker peak RSS (MB): {', '.join(f'{value:.0f}' for value in rss)}")
    return "\n".join(out)


def write(results: dict[str, Any], directory: Path, stem: str) -> tuple[Path, Path | None]:
    directory.mkdir(parents=True, exist_ok=True)
    data_path, chart_path = directory / f"{stem}.json", directory / f"{stem}.png"
    data_path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    # The chart is drawn in an environment of its own (uv's, with matplotlib): in the project's, matplotlib's numpy
    # would be imported by the served app too (Advanced Alchemy uses it when present) and weigh on every worker.
    uv = ROOT / ".tools" / "bin" / "uv"
    command = [str(uv) if uv.exists() else "uv", "run", "--no-project", "--quiet", "--with", MATPLOTLIB]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("UV_PROJECT", "VIRTUAL_ENV"))}
    try:
        subprocess.run(
            [*command, "python", "-m", "bench.chart", str(data_path), str(chart_path)],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=900,
        )
    except (OSError, subprocess.SubprocessError) as exc:  # the figures are in the JSON already
        print(f"no chart: {exc}")
        return data_path, None
    return data_path, chart_path


def explain_markdown(results: dict[str, Any], path: Path) -> Path | None:
    """The EXPLAIN (ANALYZE, BUFFERS) plans of a `--scale-pass` run, ready to paste into bench/README.md."""
    parts = []
    for row in results["scenarios"]:
        for number, item in enumerate(row.get("explain") or [], 1):
            title = row["name"] + (f" (statement {number})" if len(row["explain"]) > 1 else "")
            parts.append(f"#### {title}\n\n```sql\n{item['sql']}\n```\n\n```\n" + "\n".join(item["plan"]) + "\n```\n")
    if not parts:
        return None
    head = f"### EXPLAIN (ANALYZE, BUFFERS) at scale {results['scale']:g} ({results['date']})\n\n"
    path.write_text(head + "\n".join(parts))
    return path


def reference_results(directory: Path, machine: dict[str, Any], exclude: Path | None = None) -> dict[str, Any] | None:
    """The newest full scale-1 results in `directory` measured on this `machine`, for `--scale-pass` (the results
    committed from another machine are no reference for this one)."""
    found = []
    for path in directory.glob("*.json"):
        if path == exclude:
            continue
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        full = not (data.get("scale_pass") or data.get("quick") or data.get("subset"))
        if data.get("scale") == 1 and full and data.get("machine") == machine:
            found.append((data.get("finished", ""), path, data))
    if not found:
        return None
    _, path, data = max(found, key=lambda item: (item[0], str(item[1])))
    return {**data, "file": path.name}
