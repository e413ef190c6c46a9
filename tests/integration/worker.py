"""A separate process for multi-process tests: `python -m tests.integration.worker MODE URL`.

Modes:
- project URL BATCH GO_FILE: wait for GO_FILE, then catch every view up in batches.
- crash URL MARKER: project with one slow batch; touch MARKER inside the batch
  transaction and hang there until killed.
- commands URL GO_FILE FINDING_IDS_FILE ACTOR: wait, then report progress on each finding.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path
from uuid import UUID

from application.writer import Target

warnings.filterwarnings("ignore", message=".*NotificationTrackingRecord.*")


def _wait_for(go: Path) -> None:
    deadline = time.monotonic() + 60
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit("start signal never came")
        time.sleep(0.005)


def main(argv: list[str]) -> None:
    from application.access import Principal
    from domain.vocabulary import Status
    from infrastructure.bootstrap import open_runtime
    from infrastructure.settings import Settings

    mode, url = argv[0], argv[1]
    if mode == "project":
        batch, go = int(argv[2]), Path(argv[3])
        settings = Settings(database_url=url, projection_batch_size=batch)
        # Open without the start-up catch-up racing ahead of the signal.
        runtime = open_runtime(settings, catch_up=False)
        _wait_for(go)
        done = runtime.projector.run_pending(pause=0.01)
        print(done)
    elif mode == "crash":
        marker = Path(argv[2])
        runtime = open_runtime(Settings(database_url=url, projection_batch_size=50), catch_up=False)
        calls = {"n": 0}

        def slowed(apply):  # type: ignore[no-untyped-def]
            def slow_apply(session, events):  # type: ignore[no-untyped-def]
                apply(session, events)
                calls["n"] += 1
                # 4 batches a transaction: this call is in the second transaction,
                # its second batch, with some views written and others not.
                if calls["n"] == len(runtime.views) * 5 + 1:
                    marker.touch()
                    time.sleep(600)

            return slow_apply

        for view in runtime.views:
            view.apply_batch = slowed(view.apply_batch)  # type: ignore[method-assign]
        runtime.projector.run_pending(max_batches_per_transaction=4)
    elif mode == "commands":
        go, ids_file, actor = Path(argv[2]), Path(argv[3]), argv[4]
        runtime = open_runtime(Settings(database_url=url), catch_up=False)
        ids = [UUID(line) for line in ids_file.read_text().split()]
        _wait_for(go)
        from application.errors import StaleVersionError

        done = 0
        for finding_id in ids:
            for _ in range(20):
                try:
                    runtime.services.findings.report_progress(
                        Target(Principal.system(), finding_id),
                        status=Status.IN_PROGRESS,
                        actions=f"{actor} 보고",
                    )
                    done += 1
                    break
                except StaleVersionError:
                    continue  # the other process saved this finding first: retry
        print(done)
    elif mode == "deliver-then-die":
        # Sends the first digest, then dies before recording it as sent.
        import os
        from datetime import datetime

        from application.notifications import OutgoingMail
        from infrastructure.mail import SmtpMailSender, SmtpSettings
        from tests.conftest import FixedClock

        port, instant = int(argv[2]), datetime.fromisoformat(argv[3])
        runtime = open_runtime(
            Settings(database_url=url), clock=FixedClock(instant), catch_up=False
        )
        real = SmtpMailSender(SmtpSettings(host="127.0.0.1", port=port))

        class DieAfterSending:
            def send(self, mail: OutgoingMail) -> None:
                real.send(mail)
                os._exit(9)  # killed between send and record

        runtime.reminder_job(sender=DieAfterSending()).deliver()
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])
