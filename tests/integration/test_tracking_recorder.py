"""Our views pass the library's own TrackingRecorderTestCase, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from eventsourcing.persistence import TrackingRecorder
from eventsourcing.tests.persistence import TrackingRecorderTestCase

from infrastructure.persistence import FollowupDatastore
from infrastructure.readmodel.views import FindingsView, TimelineView
from tests.conftest import PostgresServer


class _ViewRecorderCase(TrackingRecorderTestCase):
    url: str
    view_class: type[FindingsView] | type[TimelineView] = FindingsView

    def create_recorder(self) -> TrackingRecorder:
        view = self.view_class(FollowupDatastore(url=self.url))
        view.create_table()
        return view


class TestFindingsViewOnSQLite(_ViewRecorderCase):
    @pytest.fixture(autouse=True)
    def _database(self, tmp_path: Path) -> None:
        self.url = f"sqlite:///{tmp_path}/tracking.db"


class TestTimelineViewOnSQLite(TestFindingsViewOnSQLite):
    view_class = TimelineView


class TestFindingsViewOnPostgres(_ViewRecorderCase):
    @pytest.fixture(autouse=True)
    def _database(self, postgres_server: PostgresServer) -> None:
        self.url = postgres_server.create_database()


del _ViewRecorderCase, TrackingRecorderTestCase  # only the concrete cases run
