"""Exceptions → HTTP answers: {code, message_ko, message_en, detail} (SPEC §7)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError, OperationalError
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.error_body import encode_error, error_body
from api.limits import TOO_LARGE
from api.versioning import InvalidIfMatchError, PreconditionRequiredError
from application.councils import CouncilMismatchError, InvalidCouncilError, UnknownCouncilError
from application.errors import (
    AuditNotFoundError,
    FindingNotFoundError,
    PermissionDeniedError,
    StaleVersionError,
)
from application.evidence import EvidenceNotFoundError
from domain.dates import KoreanDateError
from domain.department import InvalidDepartmentError
from domain.errors import (
    BusinessDateError,
    DomainError,
    ImplausibleDateError,
    InvalidAuditError,
    InvalidCarryOverError,
    InvalidExtensionError,
    InvalidFindingError,
    InvalidPolicyError,
    InvalidRepeatError,
    ReasonRequiredError,
    ReviewDateError,
)

log = logging.getLogger(__name__)

_STATUS: list[tuple[type[DomainError], int]] = [
    (FindingNotFoundError, 404),
    (AuditNotFoundError, 404),
    (PermissionDeniedError, 403),
    (PreconditionRequiredError, 428),
    (InvalidIfMatchError, 400),
    # Bad input: the request itself is wrong, whatever the finding's state.
    (ReasonRequiredError, 422),
    (InvalidFindingError, 422),
    (InvalidAuditError, 422),
    (InvalidExtensionError, 422),
    (KoreanDateError, 422),
    (BusinessDateError, 422),
    (InvalidDepartmentError, 422),
    (InvalidCarryOverError, 422),
    (InvalidRepeatError, 422),
    (InvalidPolicyError, 422),
    (ReviewDateError, 422),
    (ImplausibleDateError, 422),
    (EvidenceNotFoundError, 404),
    (CouncilMismatchError, 403),
    (UnknownCouncilError, 404),
    (InvalidCouncilError, 422),
    # Everything else is a conflict with the finding's current state (stale
    # version, closed finding, no pending claim, already registered, nothing would
    # change, no due date to extend …): 409.
]


def status_for(exc: DomainError) -> int:
    """The HTTP status of a refused action: one table for the API and the web forms."""
    explicit = getattr(exc, "status_code", None)
    if isinstance(explicit, int):
        return explicit
    return next((s for cls, s in _STATUS if isinstance(exc, cls)), 409)


# Refusals that are no DomainError: (code, message_ko, message_en).
_INVALID_REQUEST = ("INVALID_REQUEST", "요청 값이 올바르지 않습니다.", "The request is not valid.")
_DATABASE_BUSY = (
    "DATABASE_BUSY",
    "데이터베이스가 바쁩니다. 잠시 후 다시 시도하세요.",
    "The database is busy; retry shortly.",
)


_INTERNAL = (
    "INTERNAL_ERROR",
    "서버 오류가 났습니다. 다시 시도하기 전에 반영되었는지 확인하세요.",
    "The server failed; check whether anything changed before retrying.",
)
_WRITE_CONFLICT = (
    "WRITE_CONFLICT",
    "다른 요청이 같은 기록을 먼저 저장했습니다. 새로 고친 뒤 다시 시도하세요.",
    "Another request saved the same record first; reload and try again.",
)


class ErrorResponse(JSONResponse):
    """An error body that always encodes: a lone surrogate from the input (which UTF-8
    cannot hold) is written as its JSON escape instead of failing the answer."""

    def render(self, content: Any) -> bytes:
        return encode_error(content)


# What a validation error's detail keeps of each problem: where and what, never the
# input itself (which may be megabytes, or characters that do not encode).
_KEPT = ("type", "loc", "msg")


def _validation_detail(errors: Sequence[Any]) -> list[dict[str, Any]]:
    return [{k: jsonable_encoder(e.get(k)) for k in _KEPT if k in e} for e in errors[:20]]


_HTTP_ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("INVALID_BODY", "요청 본문을 읽을 수 없습니다.", "The request body cannot be read."),
    404: ("NOT_FOUND", "찾을 수 없습니다.", "Not found."),
    405: (
        "METHOD_NOT_ALLOWED",
        "이 주소에서는 그 요청 방식을 쓸 수 없습니다.",
        "Method not allowed.",
    ),
    413: TOO_LARGE,
    415: ("UNSUPPORTED_MEDIA_TYPE", "지원하지 않는 형식입니다.", "Unsupported media type."),
}


def _answer(
    status: int,
    code: str,
    ko: str,
    en: str,
    detail: object = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return ErrorResponse(error_body(code, ko, en, detail), status, headers=headers)


# Paths that answer JSON (the API, health, metrics, its documentation); the others are pages.
_JSON_PATHS = ("/health", "/metrics", "/openapi.json", "/docs")


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/") or path in _JSON_PATHS


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route of this path answers (the router names only the first
    route it tried, one method of several)."""
    allowed = []
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        scope = {**request.scope, "method": method}
        if any(r.matches(scope)[0] is Match.FULL for r in request.app.router.routes):
            allowed.append(method)
    return allowed


def log_refusal(exc: DomainError, status: int) -> None:
    """One line per refused request: its code and status (never the input, which
    the message does not quote either)."""
    log.info("request refused", extra={"code": exc.code, "status": status})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        detail: object = exc.detail
        headers: dict[str, str] = {}
        if isinstance(exc, StaleVersionError):
            detail = {
                "current_version": exc.current_version,
                "expected_version": exc.expected_version,
            }
            headers["ETag"] = f'"{exc.current_version}"'
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            headers["Retry-After"] = str(int(retry_after))
        status = status_for(exc)
        log_refusal(exc, status)
        return _answer(status, exc.code, exc.message_ko, exc.message_en, detail, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _answer(422, *_INVALID_REQUEST, _validation_detail(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # The API answers in its one error shape; the web pages keep their own.
        if not is_api_path(request.url.path):
            return await http_exception_handler(request, exc)
        code, ko, en = _HTTP_ERRORS.get(
            exc.status_code, ("HTTP_ERROR", "요청을 처리할 수 없습니다.", "The request failed.")
        )
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return _answer(exc.status_code, code, ko, en, headers=headers)

    @app.exception_handler(IntegrityError)
    async def conflict(_: Request, exc: IntegrityError) -> JSONResponse:
        # Two writers created the same aggregate at once (a department registered
        # twice, say): the second learns it, never a 500. Nothing of it was written.
        return _answer(409, *_WRITE_CONFLICT)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # A defect, not a refusal: logged with its traceback by the server, answered
        # in the one shape (the web pages keep their plain error page).
        if not is_api_path(request.url.path):
            return PlainTextResponse("Internal Server Error", status_code=500)
        return _answer(500, *_INTERNAL)

    @app.exception_handler(OperationalError)
    async def busy(request: Request, exc: OperationalError) -> JSONResponse:
        # A locked or unreachable database is a passing state: ask to retry.
        metrics = getattr(request.app.state, "metrics", None)
        if metrics is not None:
            metrics.database_busy.inc()
        # The class only: the driver's message can quote the statement's parameters.
        log.warning("database busy", extra={"error": type(exc.__cause__ or exc).__name__})
        return _answer(503, *_DATABASE_BUSY, headers={"Retry-After": "2"})
