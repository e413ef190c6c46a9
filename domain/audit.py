"""Audit (행정사무감사): one committee's yearly audit of one audited body."""

from __future__ import annotations

from datetime import date
from typing import Unpack
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidAuditError, require_plausible
from domain.values import Actor, StampFields, natural_id, one_line, stamped

# Local councils were re-established in 1991; anything earlier is a typo.
FIRST_AUDIT_YEAR = 1991


class Audit(Aggregate):
    """Audit (행정사무감사): council, committee, audited body and year.

    The natural key (council, committee, audited body, year) gives the id, so
    the same audit cannot be registered twice, whoever registers it.
    """

    class Registered(Aggregate.Created):
        council: str
        committee: str
        audited_body: str
        year: int
        session: str | None
        audit_date: date | None
        adoption_date: date | None
        default_deadline: date | None
        actor: Actor
        business_date: date

    @event(Registered)
    def __init__(
        self,
        council: str,
        committee: str,
        audited_body: str,
        year: int,
        session: str | None,
        audit_date: date | None,
        adoption_date: date | None,
        default_deadline: date | None,
        actor: Actor,
        business_date: date,
    ) -> None:
        self.council = council
        self.committee = committee
        self.audited_body = audited_body
        self.year = year
        self.session = session
        self.audit_date = audit_date
        self.adoption_date = adoption_date
        self.default_deadline = default_deadline
        self.registered_on = business_date

    @staticmethod
    def create_id(council: str, committee: str, audited_body: str, year: int) -> UUID:
        return natural_id("audit", council, committee, audited_body, year)

    @classmethod
    def register(
        cls,
        *,
        council: str,
        committee: str,
        audited_body: str,
        year: int,
        session: str | None = None,
        audit_date: date | None = None,
        adoption_date: date | None = None,
        default_deadline: date | None = None,
        **stamp: Unpack[StampFields],
    ) -> Audit:
        """Register an audit.

        Raises:
            InvalidAuditError: committee or audited body missing, or an absurd year.
        """
        council, committee, audited_body = map(one_line, (council, committee, audited_body))
        if not committee or not audited_body:
            raise InvalidAuditError("committee and audited body are required")
        if not FIRST_AUDIT_YEAR <= year <= stamp["business_date"].year + 1:
            raise InvalidAuditError(f"year {year}")
        for day in (audit_date, adoption_date, default_deadline):
            require_plausible(day, stamp["business_date"])
        return cls._create(
            cls.Registered,
            id=cls.create_id(council, committee, audited_body, year),
            council=council,
            committee=committee,
            audited_body=audited_body,
            year=year,
            session=session,
            audit_date=audit_date,
            adoption_date=adoption_date,
            default_deadline=default_deadline,
            **stamped(**stamp),
        )
