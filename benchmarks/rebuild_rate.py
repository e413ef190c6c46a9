"""Rebuild rate of the views on SQLite: import a generated document, time rebuilds.

Not a test: prints events/s of ``runtime.projector.rebuild()`` in batches of
1,000, and the seconds each view's ``apply_batch`` took.
``python -m benchmarks.rebuild_rate [rows] [repeat]``.
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from application.access import Principal
from application.importing import ImportOptions
from benchmarks.generate import generate
from infrastructure.bootstrap import open_runtime
from infrastructure.parsers import parse_document
from infrastructure.settings import Settings

warnings.filterwarnings("ignore", message=".*NotificationTrackingRecord.*")


def _timed(spent: dict[str, float], name: str, apply: Callable[..., None]) -> Callable[..., None]:
    def timed(session: Any, events: Sequence[Any]) -> None:
        start = time.perf_counter()
        apply(session, events)
        spent[name] += time.perf_counter() - start

    return timed


def main(rows: int = 10_000, repeat: int = 3) -> None:
    document = generate(rows).encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        runtime = open_runtime(
            Settings(database_url=f"sqlite:///{tmp}/rebuild.db", projection_batch_size=1000)
        )
        try:
            outcome = runtime.services.importer.run(
                Principal.system(), parse_document(document), ImportOptions(council="벤치의회")
            )
            assert outcome.committed, outcome.problems[:3]
            runtime.projector.run_pending()
            runtime.projector.batch_size = 1000
            spent: dict[str, float] = defaultdict(float)
            for view in runtime.views:
                view.apply_batch = _timed(spent, view.view_name, view.apply_batch)  # type: ignore[method-assign]
            for _ in range(repeat):
                spent.clear()
                start = time.perf_counter()
                replayed = runtime.projector.rebuild()
                elapsed = time.perf_counter() - start
                ranked = sorted(spent.items(), key=lambda item: -item[1])
                views = ", ".join(f"{name} {s:.2f}s" for name, s in ranked)
                print(f"{replayed} events in {elapsed:.2f}s: {replayed / elapsed:,.0f} events/s")
                print(f"  apply_batch per view: {views}")
        finally:
            runtime.close()


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
