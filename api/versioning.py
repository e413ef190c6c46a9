"""Optimistic concurrency over HTTP: If-Match or expected_version, else 428."""

from __future__ import annotations

import re

from fastapi import Request

from domain.errors import DomainError


class PreconditionRequiredError(DomainError):
    code = "VERSION_REQUIRED"
    message_ko = "수정하려는 지적사항의 버전(If-Match 헤더 또는 expected_version)을 보내야 합니다."
    message_en = "Send the finding's version (If-Match header or expected_version)."


class InvalidIfMatchError(DomainError):
    code = "INVALID_IF_MATCH"
    message_ko = "If-Match 헤더의 버전 형식이 올바르지 않습니다."
    message_en = 'The If-Match header must be a version number, e.g. "3".'


def expected_version(request: Request, body_version: int | None) -> int:
    """The version the caller acts on: the body's field, else If-Match ("3" or 3)."""
    if body_version is not None:
        return body_version
    header = request.headers.get("if-match")
    if header is None:
        raise PreconditionRequiredError()
    # As the OpenAPI states it: an ASCII number, quoted or not, weak or not.
    found = _IF_MATCH.fullmatch(header.strip())
    if found is None:
        raise InvalidIfMatchError(header)
    return int(found.group(1) or found.group(2))


_IF_MATCH = re.compile(r'(?:W/)?(?:"([1-9][0-9]{0,17})"|([1-9][0-9]{0,17}))')
