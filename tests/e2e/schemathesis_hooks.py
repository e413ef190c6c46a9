"""A stricter half of schemathesis' positive_data_acceptance (see schemathesis.toml),
the evidence files' media types as bytes, and ``ast.parse`` one thread at a time.

Loaded by the schemathesis CLI through SCHEMATHESIS_HOOKS.
"""

from __future__ import annotations

import ast
import json
import threading
from datetime import date
from typing import Any

import schemathesis
from hypothesis import strategies as st

from api.schemas import FIRST_YEAR, LAST_YEAR
from application.evidence import ALLOWED_TYPES

# CPython before 3.11.8 shares the AST constructor's recursion counter between threads
# (python/cpython#106905): hypothesis parses its filters' lambdas to describe them, and
# two schemathesis workers doing so at once fail the run with "SystemError: AST
# constructor recursion depth mismatch". One parse at a time in this process.
_parse, _parsing = ast.parse, threading.Lock()


def _serial_parse(*args: Any, **kwargs: Any) -> Any:
    with _parsing:
        return _parse(*args, **kwargs)


ast.parse = _serial_parse  # type: ignore[assignment]


# Dates as the schema states them: format date and years FIRST_YEAR..LAST_YEAR.
schemathesis.openapi.format(
    "date", st.dates(date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)).map(date.isoformat)
)


@schemathesis.serializer(*sorted(ALLOWED_TYPES))
def evidence_file(ctx: Any, value: Any) -> dict[str, Any]:
    """An evidence file's part: its bytes as generated (the types are documents)."""
    if isinstance(value, bytes):
        return {"data": value}
    return {"data": str(value).encode()}


@schemathesis.check
def validation_agrees_with_schema(ctx: Any, response: Any, case: Any) -> bool | None:
    """Data the schema allows never fails validation (INVALID_REQUEST), and a 428 only
    answers a command that named no version."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code == 422:
        try:
            code = json.loads(response.content).get("code")
        except ValueError:
            code = None
        if code == "INVALID_REQUEST":
            raise AssertionError(f"schema-valid data refused by validation: {response.text[:300]}")
    if response.status_code == 428:
        headers = {k.lower() for k in (case.headers or {})}
        body = case.body if isinstance(case.body, dict) else {}
        if "if-match" in headers or body.get("expected_version") is not None:
            raise AssertionError("428 although the request named a version")
    return None
