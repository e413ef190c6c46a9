"""Exceptions → HTTP answers: {code, message_ko, message_en, detail} (SPEC §7)."""

from __future__ import annotations

from eventsourcing.persistence import OperationalError
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from application.errors import (
    AuditNotFoundError,
    FindingNotFoundError,
    PermissionDeniedError,
    StaleVersionError,
)
from domain.errors import DomainError

_STATUS: list[tuple[type[DomainError], int]] = [
    (FindingNotFoundError, 404),
    (AuditNotFoundError, 404),
    (PermissionDeniedError, 403),
    (StaleVersionError, 409),
]


def _body(code: str, ko: str, en: str, detail: object = None) -> dict[str, object]:
    return {"code": code, "message_ko": ko, "message_en": en, "detail": detail}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        status = next((s for cls, s in _STATUS if isinstance(exc, cls)), 409)
        return JSONResponse(_body(exc.code, exc.message_ko, exc.message_en, exc.detail), status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            _body(
                "INVALID_REQUEST",
                "요청 값이 올바르지 않습니다.",
                "The request is not valid.",
                jsonable_encoder(exc.errors()),
            ),
            422,
        )

    @app.exception_handler(OperationalError)
    async def busy(_: Request, exc: OperationalError) -> JSONResponse:
        # A locked or unreachable database is a passing state: ask to retry.
        return JSONResponse(
            _body(
                "DATABASE_BUSY",
                "데이터베이스가 바쁩니다. 잠시 후 다시 시도하세요.",
                "The database is busy; retry shortly.",
                None,
            ),
            503,
            headers={"Retry-After": "2"},
        )
