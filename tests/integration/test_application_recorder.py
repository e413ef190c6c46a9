"""Our event recorder (bulk insert, hash chain) passes the library's own
ApplicationRecorderTestCase, on both databases; and the chain its concurrent
writers leave behind verifies."""

from __future__ import annotations

from pathlib import Path

import pytest
from eventsourcing.tests.persistence import ApplicationRecorderTestCase

from infrastructure.persistence import FollowupApplicationRecorder, FollowupDatastore
from tests.conftest import PostgresServer


class _FollowupRecorderCase(ApplicationRecorderTestCase[FollowupApplicationRecorder]):
    url: str

    def create_recorder(self) -> FollowupApplicationRecorder:
        recorder = FollowupApplicationRecorder(
            FollowupDatastore(url=self.url), events_table_name="stored_events"
        )
        recorder.create_table()
        return recorder

    def test_insert_select(self) -> None:
        super().test_insert_select()
        self._chain_verifies(events=3)

    def test_concurrent_no_conflicts(self, initial_position: int = 0) -> None:
        super().test_concurrent_no_conflicts(initial_position)
        self._chain_verifies(events=100 * 100)

    def _chain_verifies(self, events: int) -> None:
        history = self.create_recorder().history()
        report = history.verify()
        head = history.head()
        assert report.ok, report.problems[:3]
        assert report.events == events
        assert head is not None and (head.events, head.head) == (events, report.head)


class TestRecorderOnSQLite(_FollowupRecorderCase):
    @pytest.fixture(autouse=True)
    def _database(self, tmp_path: Path) -> None:
        self.url = f"sqlite:///{tmp_path}/events.db"


class TestRecorderOnPostgres(_FollowupRecorderCase):
    @pytest.fixture(autouse=True)
    def _database(self, postgres_server: PostgresServer) -> None:
        self.url = postgres_server.create_database()


del _FollowupRecorderCase, ApplicationRecorderTestCase  # only the concrete cases run
