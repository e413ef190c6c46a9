"""The read side's views: each a tracking recorder owning its tables (one module each).

``changes`` states what every Finding event changes in a finding's row; the
views take from it what they keep. ``all_views`` lists them in lock order.
"""

from __future__ import annotations

from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore

from infrastructure.readmodel.views.base import (
    BatchView,
    DomainEvent,
    Positioned,
    chunks,
    dialect_insert,
)
from infrastructure.readmodel.views.departments import DepartmentsView
from infrastructure.readmodel.views.findings import FindingsView
from infrastructure.readmodel.views.history import StatusHistoryView
from infrastructure.readmodel.views.inbox import InboxView
from infrastructure.readmodel.views.summary import SummaryView
from infrastructure.readmodel.views.timeline import TimelineView, jsonable

__all__ = [
    "BatchView",
    "DepartmentsView",
    "DomainEvent",
    "FindingsView",
    "InboxView",
    "Positioned",
    "StatusHistoryView",
    "SummaryView",
    "TimelineView",
    "all_views",
    "chunks",
    "dialect_insert",
    "jsonable",
]


def all_views(datastore: SQLAlchemyDatastore) -> list[BatchView]:
    """Every view, in the order every projector locks them (the same in every path)."""
    # Imported here: search.py builds on this package's base module.
    from infrastructure.readmodel.search import SearchView

    return [
        FindingsView(datastore),
        SummaryView(datastore),
        InboxView(datastore),
        StatusHistoryView(datastore),
        TimelineView(datastore),
        SearchView(datastore),
        DepartmentsView(datastore),
    ]
