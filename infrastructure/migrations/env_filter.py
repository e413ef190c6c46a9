"""Which tables Alembic manages: ours (rm_*), never the library's events or tracking."""

from __future__ import annotations

from typing import Any


def include_object(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
    if type_ == "table":
        return bool(
            name and name.startswith(("rm_", "followup_")) and not name.endswith("_tracking")
        )
    return True
