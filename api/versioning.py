"""Optimistic concurrency over HTTP: If-Match or expected_version, else 428."""

from __future__ import annotations

import re

from fastapi import Request

from domain.errors import DomainError

# A version is at most 15 digits: every such number is exact as a JSON (double) number,
# so a client's JSON library and a schema's bounds never round it.
VERSION_DIGITS = 15
MAX_VERSION = 10**VERSION_DIGITS - 1
_NUMBER = f"[1-9][0-9]{{0,{VERSION_DIGITS - 1}}}"
# A version number, quoted or not, weak or not: "3", 3, W/"3".
IF_MATCH_PATTERN = f'^(W/)?("{_NUMBER}"|{_NUMBER})$'


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


_IF_MATCH = re.compile(f'(?:W/)?(?:"({_NUMBER})"|({_NUMBER}))')
