"""`make bench`: import, query and rebuild figures on SQLite and PostgreSQL.

Prints a table and writes benchmarks/results.json. Figures, not tests: nothing
here fails a build; the targets are stated beside the figures.
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from application.access import Principal
from application.importing import ImportOptions
from benchmarks.generate import generate
from infrastructure.bootstrap import open_runtime
from infrastructure.parsers import parse_document
from infrastructure.settings import Settings

warnings.filterwarnings("ignore", message=".*NotificationTrackingRecord.*")

RESULTS = Path(__file__).resolve().parent / "results.json"
ROWS = 10_000


def _median_ms(fn: Callable[[], object], repeat: int = 15) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_backend(name: str, url: str, document: bytes) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []

    def record(metric: str, value: float, unit: str, target: str = "") -> None:
        results.append(
            {
                "backend": name,
                "metric": metric,
                "value": round(value, 2),
                "unit": unit,
                "target": target,
            }
        )

    runtime = open_runtime(Settings(database_url=url))
    tracker = runtime.tracker
    services = runtime.services
    try:
        start = time.perf_counter()
        parsed = parse_document(document)
        parse_s = time.perf_counter() - start
        options = ImportOptions(council="벤치의회")
        outcome = services.importer.run(Principal.system(), parsed, options)
        total_s = time.perf_counter() - start
        assert outcome.committed and outcome.created == ROWS, outcome.problems[:3]
        top = tracker.recorder.max_notification_id()
        # The 총괄, list and history views are current when the import returns.
        needed = [v for v in runtime.views if v.synchronous and not v.deferrable_in_bulk]
        assert all(v.max_tracking_id(tracker.name) == top for v in needed)
        summary = services.queries.summary()
        assert summary.rows["total"]["total"] == ROWS
        record(
            f"import {ROWS:,} rows, views included (events/s)",
            outcome.events / total_s,
            "events/s",
            ">= 5,000 (SQLite)",
        )
        record("  of which parsing", parse_s, "s")
        record("  whole import", total_s, "s")
        start = time.perf_counter()
        runtime.projector.run_pending()
        record(
            "timeline and search index catch-up, in the background (events/s)",
            outcome.events / (time.perf_counter() - start),
            "events/s",
        )

        start = time.perf_counter()
        again = services.importer.run(
            Principal.system(), parse_document(document), ImportOptions(council="벤치의회")
        )
        record("re-import of the same document (creates nothing)", time.perf_counter() - start, "s")
        assert again.created == 0 and again.events == 0

        record(
            "총괄 now, all audits (median)", _median_ms(lambda: services.queries.summary()), "ms"
        )
        record(
            "총괄 as of a date, all audits (median)",
            _median_ms(lambda: services.queries.summary(as_of=date(2018, 11, 15))),
            "ms",
        )
        finding_id = services.queries.list_findings()[0].finding_id
        record(
            "finding timeline (median)",
            _median_ms(lambda: services.queries.timeline(finding_id)),
            "ms",
        )

        start = time.perf_counter()
        replayed = runtime.projector.rebuild()
        record(
            "rebuild every view (events/s)", replayed / (time.perf_counter() - start), "events/s"
        )
    finally:
        runtime.close()
    return results


def main() -> None:
    console = Console()
    console.print(f"generating a {ROWS:,}-row document in the seed layout …", style="dim")
    document = generate(ROWS).encode("utf-8")
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        results += bench_backend("sqlite", f"sqlite:///{tmp}/bench.db", document)
        try:
            from tests.conftest import PostgresServer
        except ImportError:  # pragma: no cover - dev install always has it
            PostgresServer = None  # type: ignore[assignment,misc]
        if PostgresServer is not None:
            server = PostgresServer()
            try:
                server.start()
                results += bench_backend("postgresql", server.create_database(), document)
            except Exception as e:  # a figure is missing: say why, keep the others
                console.print(f"PostgreSQL skipped: {e}", style="yellow")
            finally:
                server.stop()

    table = Table("backend", "metric", "value", "unit", "target", title="audit-followup benchmarks")
    for r in results:
        table.add_row(r["backend"], r["metric"], f"{r['value']:,}", r["unit"], r["target"])
    console.print(table)
    RESULTS.write_text(
        json.dumps(
            {
                "python": sys.version.split()[0],
                "machine": platform.machine(),
                "rows": ROWS,
                "results": results,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    console.print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
