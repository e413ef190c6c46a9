"""The one error shape (SPEC §7), built the same way by the handlers and by the
middlewares that answer before any route runs."""

from __future__ import annotations

import json
from typing import Any


def error_body(code: str, ko: str, en: str, detail: object = None) -> dict[str, Any]:
    return {"code": code, "message_ko": ko, "message_en": en, "detail": detail}


def encode_error(content: Any) -> bytes:
    """JSON that always encodes: a lone surrogate from the input (which UTF-8 cannot
    hold) is written as its escape instead of failing the answer."""
    text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.encode("utf-8", "backslashreplace")
