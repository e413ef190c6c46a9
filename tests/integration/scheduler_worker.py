"""A scheduler process for tests: `python -m tests.integration.scheduler_worker URL OUT`.

Its one job, "tick", appends this process's pid to OUT every 0.1 s. Once started, it writes
"active" or "standby" to OUT.<pid>.state. SIGTERM stops it cleanly (exit 0).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

from infrastructure.scheduler import FollowupScheduler, ScheduledJob, lock_for


def main(argv: list[str]) -> None:
    url, out = argv[0], Path(argv[1])
    pid = os.getpid()

    def tick() -> None:
        with out.open("a") as f:
            f.write(f"{pid}\n")

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    scheduler = FollowupScheduler(
        [ScheduledJob("tick", tick, every_seconds=0.1)],
        lock_for(url),
        standby_retry_seconds=0.2,
    )
    scheduler.start()
    Path(f"{out}.{pid}.state").write_text("active" if scheduler.is_active else "standby")
    scheduler.run_forever(stop)  # its start() is a no-op now: already running


if __name__ == "__main__":
    main(sys.argv[1:])
