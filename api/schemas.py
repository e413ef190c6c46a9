"""Request and response schemas of the JSON API (identifiers English, labels Korean)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from fastapi import Query
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.dataclasses import dataclass as pydantic_dataclass

from api.versioning import MAX_VERSION
from application.digests import topic_label
from application.dto import FindingDetails, FindingRow, InboxEntry, TimelineEntry
from domain.values import has_bidi_control, has_unstorable, stored_text
from domain.vocabulary import (
    KIND_LABELS,
    STATUS_LABELS,
    VERIFICATION_LABELS,
    FindingKind,
    Status,
    Verification,
)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# Business dates of an audit's follow-up: years 1900 to 2100 (a year 9999 would make
# every later computation on it overflow).
FIRST_YEAR, LAST_YEAR = 1900, 2100
_DATE_PATTERN = r"^(19[0-9]{2}|20[0-9]{2}|2100)-"


def _iso_date_only(value: object) -> object:
    """Dates come as YYYY-MM-DD text (or as dates): never a number such as 0, which
    lax parsing would take for 1970-01-01; and within FIRST_YEAR..LAST_YEAR."""
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        year = int(value[:4])
    elif isinstance(value, date):
        year = value.year
    else:
        raise ValueError("a date is written YYYY-MM-DD")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"a date lies between {FIRST_YEAR} and {LAST_YEAR}")
    return value


# A business date in a request: strict ISO text in range (the OpenAPI says so).
IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date_only),
    WithJsonSchema({"type": "string", "format": "date", "pattern": _DATE_PATTERN}),
]


# Bidi controls may not reorder names (free texts are isolated where they are shown).
# Fields that name something (shown among other text, compared as keys).
_NAMES = frozenset(
    {"name", "department", "council", "committee", "audited_body", "new_name", "into"}
)


def clean_text(value: str, *, name: bool = False) -> str:
    """NFC, CR LF as LF, byte-order marks removed; refused (ValueError) with a control
    character, a lone surrogate or, in a name, a bidi control."""
    # The characters a stored text never keeps: the API refuses them, not replaces them.
    if has_unstorable(value):
        raise ValueError("control characters (other than tab and line feed) are not allowed")
    if name and has_bidi_control(value):
        raise ValueError("bidirectional controls are not allowed in a name")
    return stored_text(value)


# The same rules as JSON Schema patterns (ECMA-262), so the OpenAPI says what is refused.
TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"
NAME_PATTERN = (
    r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
    r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]*$"
)


# A name or a text in a query string, held to the same rules as in a body.
QueryName = Annotated[str | None, Query(max_length=200, pattern=NAME_PATTERN)]


def _text_patterns(schema: dict[str, Any], _: type) -> None:
    """Each free text of a request body carries the pattern ``clean_text`` holds it to."""
    for name, prop in schema.get("properties", {}).items():
        pattern = NAME_PATTERN if name in _NAMES else TEXT_PATTERN
        for variant in prop.get("anyOf", [prop]):
            if variant.get("type") == "string" and not {"format", "enum", "const"} & set(variant):
                variant["pattern"] = pattern


class RequestBody(BaseModel):
    """Every request body: its texts cleaned (``clean_text``) before anything reads them."""

    model_config = ConfigDict(json_schema_extra=_text_patterns)

    @field_validator("*", mode="before")
    @classmethod
    def _texts(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):
            return clean_text(value, name=info.field_name in _NAMES)
        return value


class Versioned(RequestBody):
    """Every write on a finding names the version it acts on (or sends If-Match)."""

    # A number as If-Match takes it (at most 15 digits); JSON's 7.0 is the integer 7.
    expected_version: int | None = Field(default=None, ge=1, le=MAX_VERSION)


class _FindingOut(BaseModel):
    """What every answer about a finding starts with; built from a read result."""

    finding_id: UUID
    audit_id: UUID
    kind: FindingKind
    kind_label: str
    seq: int
    request: str
    department: str
    department_id: str

    @classmethod
    def of(cls, f: FindingRow | FindingDetails) -> Self:
        """The read result's fields of the same name, and the Korean labels."""
        return cls.model_validate(
            {
                **{
                    k: getattr(f, k) for k in cls.model_fields if k not in _LABELS and hasattr(f, k)
                },
                "kind_label": KIND_LABELS[f.kind],
                "status_label": STATUS_LABELS[f.status],
                "verification_label": (
                    VERIFICATION_LABELS[f.verification] if f.verification else None
                ),
            }
        )


_LABELS = frozenset({"kind_label", "status_label", "verification_label"})


class FindingSummaryPublic(_FindingOut):
    status: Status
    status_label: str
    status_raw: str
    verification: Verification | None
    verification_label: str | None
    due_date: date | None
    registered_on: date
    last_business_date: date
    version: int


class FindingsPublic(BaseModel):
    data: list[FindingSummaryPublic]
    count: int


class FindingPublic(_FindingOut):
    raised_by: str | None
    due_date: date | None
    registered_on: date
    status: Status
    status_label: str
    status_raw: str
    actions: str | None
    plans: str | None
    delay_reason: str | None
    verification: Verification | None
    verification_label: str | None
    is_closed: bool
    version: int
    # Later audits that follow it too (이월), and the earlier finding it repeats.
    carried_into: list[UUID] = []
    repeat_of: UUID | None = None
    review_on: date | None = None  # a verified 미반영 comes up for review again then


# The application's timeline entry as it is (its fields in its order), but ``data`` is
# always there: required in the OpenAPI document.
@pydantic_dataclass(frozen=True)
class TimelineEntryPublic(TimelineEntry):
    data: dict[str, Any]

    @classmethod
    def of(cls, e: TimelineEntry) -> TimelineEntryPublic:
        return cls(**e.__dict__)


class RegisterAuditRequest(RequestBody):
    council: str = Field(default="", max_length=200)
    committee: str = Field(min_length=1, max_length=200)
    audited_body: str = Field(min_length=1, max_length=200)
    year: int = Field(ge=1991, le=2100)
    # As long as the audit view's column holds (longer failed its projection on PostgreSQL).
    session: str | None = Field(default=None, max_length=200)
    audit_date: IsoDate | None = None
    adoption_date: IsoDate | None = None
    default_deadline: IsoDate | None = None


class AuditPublic(BaseModel):
    audit_id: UUID
    council: str
    year: int
    committee: str
    audited_body: str
    findings: int
    default_deadline: date | None = None


class RegisterFindingRequest(RequestBody):
    audit_id: UUID
    kind: FindingKind
    seq: int = Field(ge=1, le=99999)
    request: str = Field(min_length=1, max_length=20000)
    department: str = Field(min_length=1, max_length=200)
    raised_by: str | None = Field(default=None, max_length=200)
    due_date: IsoDate | None = None


class Dated(Versioned):
    """A command whose fact has a business date of its own (default: today, Seoul).

    Never in the future nor before the finding's registration or its latest report;
    a department dates at most 31 days back, council staff older with
    ``backdate_reason``."""

    business_date: IsoDate | None = None
    backdate_reason: str | None = Field(default=None, max_length=2000)


class ReportProgressRequest(Dated):
    status: Status
    status_raw: str | None = Field(default=None, max_length=200)
    actions: str | None = Field(default=None, max_length=50000)
    plans: str | None = Field(default=None, max_length=50000)
    delay_reason: str | None = Field(default=None, max_length=20000)


class VerificationRequest(Versioned):
    """The council's judgement of a claim: verify it, or return it with a reason."""

    decision: Literal["verify", "return"]
    reason: str | None = Field(default=None, max_length=20000)
    # A verified 미반영 comes up for review again on this day (a reminder then).
    review_on: IsoDate | None = None


class RepeatDecisionRequest(Versioned):
    """Staff's decision on a suggested earlier finding: this one repeats it, or not."""

    earlier_finding_id: UUID
    decision: Literal["confirm", "dismiss"]


class ReasonRequest(Versioned):
    reason: str = Field(min_length=1, max_length=20000)


class DueDateRequest(ReasonRequest):
    due_date: IsoDate | None


class ReassignRequest(ReasonRequest):
    department: str = Field(min_length=1, max_length=200)


class ExtensionRequestBody(ReasonRequest):
    due_date: IsoDate


class ExtensionDecisionRequest(ReasonRequest):
    decision: Literal["grant", "refuse"]


class CommentRequest(Versioned):
    text: str = Field(min_length=1, max_length=20000)


class InboxEntryPublic(BaseModel):
    """What reached an inbox: a reminder (``rule``) or a notice, with its Korean label."""

    finding_id: UUID
    department: str
    rule: str
    label: str
    level: int
    raised_on: date
    reference_date: date | None
    detail: str | None
    kind_label: str
    seq: int
    request: str
    audit_id: UUID
    # When what the entry asked for happened (a report, a decision, a new due date);
    # None: still open.
    resolved_on: date | None = None
    resolution: str | None = None

    @classmethod
    def of(cls, e: InboxEntry) -> Self:
        same = {k: getattr(e, k) for k in cls.model_fields if hasattr(e, k)}
        return cls.model_validate({**same, "rule": e.topic, "label": topic_label(e.topic)})
