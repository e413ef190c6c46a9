"""The OpenAPI document as the server answers: every status an operation can give, in
the one error shape, and the headers it reads (If-Match, Idempotency-Key).

What every operation of a kind can answer is derived here from the operation itself
(a body, a credential, a version to name, a path id); what only some answer is
declared on the route with ``errors(...)``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from api.idempotency import EXEMPT as IDEMPOTENCY_EXEMPT
from api.versioning import IF_MATCH_PATTERN

# Visible ASCII, as the middleware accepts it (api/idempotency.py).
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{1,200}$"


class ErrorBody(BaseModel):
    """Every refusal: a stable code, the message in Korean and in English, and what
    went wrong (a validation error's problems, the current version …) or null."""

    code: str = Field(examples=["STALE_VERSION"])
    message_ko: str
    message_en: str
    detail: Any = Field(default=None, description="Problems, conflicting values, or null")


_DESCRIPTIONS: dict[int, str] = {
    400: "The body, If-Match or Idempotency-Key cannot be read",
    401: "Not signed in: no valid token or session",
    403: "Not allowed for this caller (role, department, or a session without CSRF token)",
    404: "No such finding, audit or file",
    409: "Conflicts with the current state: stale version, closed finding, a concurrent write",
    413: "The body is larger than the limit",
    415: "The attached file's type is not accepted",
    422: "A value is invalid (the detail names it) or a rule refuses it (the code says which)",
    428: "A command on a finding must name its version (If-Match or expected_version)",
    429: "Too many failed sign-ins: retry after Retry-After seconds",
    503: "The database is busy or unreachable: retry after Retry-After seconds",
}

_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route for the errors only it (of its kind) can answer."""
    return {s: {"model": ErrorBody, "description": _DESCRIPTIONS[s]} for s in statuses}


def _names_a_version(operation: dict[str, Any], components: dict[str, Any]) -> bool:
    """A command on a finding: its body has ``expected_version``, for which If-Match
    stands in (api/versioning.py)."""
    for media in operation.get("requestBody", {}).get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        body = components.get(ref.rsplit("/", 1)[-1], {})
        if "expected_version" in body.get("properties", {}):
            return True
    return False


def _error(status: int) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": _DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    if status in (429, 503):
        answer["headers"] = _RETRY_AFTER
    if status == 401:
        answer["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    if status == 409:
        answer["headers"] = {
            "ETag": {"description": "The finding's current version", "schema": {"type": "string"}}
        }
    return answer


def _header(name: str, pattern: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": False,
        "description": description,
        "schema": {"type": "string", "pattern": pattern},
    }


def _enrich(path: str, method: str, operation: dict[str, Any], components: dict[str, Any]) -> None:
    statuses = {503}
    if operation.get("security"):
        statuses.add(401)
        if method != "GET":
            statuses.add(403)  # a session without its CSRF token
        if method in ("POST", "PUT"):
            statuses.add(409)  # a concurrent write of the same record
    if "requestBody" in operation:
        statuses |= {400, 413, 422}
    if operation.get("parameters"):
        statuses.add(422)
    parameters = operation.setdefault("parameters", [])
    if method == "POST" and path not in IDEMPOTENCY_EXEMPT:
        statuses |= {400, 409, 422}  # the key unreadable, in progress, or reused
        parameters.append(
            _header(
                "Idempotency-Key",
                IDEMPOTENCY_KEY_PATTERN,
                "Repeat a POST safely: the same key and body answer the first response "
                "(Idempotent-Replayed: true); the same key with another body is a 422.",
            )
        )
    if _names_a_version(operation, components):
        statuses |= {400, 404, 409, 428}
        parameters.append(
            _header(
                "If-Match",
                IF_MATCH_PATTERN,
                "The finding's version the command acts on (its ETag); or expected_version "
                "in the body. A stale version is a 409 with the current ETag.",
            )
        )
    if any(p.get("in") == "path" for p in parameters):
        statuses.add(404)
    if not parameters:
        del operation["parameters"]
    responses = operation["responses"]
    for status in sorted(statuses):
        responses.setdefault(str(status), _error(status))
    for status, answer in responses.items():
        # FastAPI's own validation shape is never answered: ours replaces it.
        schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
        if schema.get("$ref", "").endswith("/HTTPValidationError"):
            answer["content"]["application/json"]["schema"] = {
                "$ref": "#/components/schemas/ErrorBody"
            }
            answer["description"] = _DESCRIPTIONS[int(status)]


def install_openapi(app: FastAPI) -> None:
    """``app.openapi()`` answers the enriched document (built once)."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["ErrorBody"] = ErrorBody.model_json_schema()
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                _enrich(path, method.upper(), operation, components)
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = document  # type: ignore[method-assign]
