"""Read pages: dashboard, 총괄, finding list, inbox, and the staff verification queue."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import installation_services
from api.versioning import MAX_VERSION
from api.web.charts import summary_charts
from api.web.forms import (
    filter_name,
    page_number,
    parse_date,
    parse_enum,
    parse_uuid,
    text,
    whole_number,
)
from api.web.presenters import (
    SUMMARY_STATUS_COLUMNS,
    SUMMARY_VERIFICATION_COLUMNS,
    detail_label,
    summary_rows,
    topic_level,
    topic_name,
)
from api.web.rendering import render
from api.web.session import FormDep, WebUser, WebUserDep
from application.dto import (
    AuditRow,
    FindingFilter,
    FindingRow,
    FindingSort,
    InboxKey,
    SummaryTable,
)
from application.evidence import ReportEvidence
from application.history import HistoryHead
from application.inbox import INBOX_TOPICS, InboxFilter, InboxState
from application.ports import HistoryChain
from application.services import Followup
from application.writer import Target
from domain.errors import DomainError
from domain.vocabulary import (
    KIND_LABELS,
    STATUS_LABELS,
    VERIFICATION_LABELS,
    FindingKind,
    ReminderRule,
    Role,
    Status,
    Verification,
)

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
# A page number past any list (the offset stays far inside what a database takes).
MAX_PAGE = 1_000_000
DASHBOARD_ROWS = 10
SORT_OPTIONS = (
    (FindingSort.AUDIT.value, "행정사무감사 (최근 감사부터)"),
    (FindingSort.DEPARTMENT.value, "담당부서"),
    (FindingSort.STATUS.value, "추진상황"),
    (FindingSort.DUE_DATE.value, "처리기한"),
)


def services_of(request: Request) -> Followup:
    """The use cases of the signed-in caller's council (a page's user is known before
    its body runs); a page without a user has none (``installation_services``)."""
    principal = getattr(request.state, "principal", None)
    if principal is None:
        raise RuntimeError("a page's services before its user is known")
    return installation_services(request).for_principal(principal)


def history_head(request: Request) -> HistoryHead | None:
    """The event history's head (tamper evidence): printed with the 총괄."""
    history: HistoryChain = request.app.state.runtime.history
    return history.head()


def audit_title(audit: AuditRow) -> str:
    return audit.title


@dataclass(frozen=True)
class DepartmentPanel:
    name: str
    open_rows: list[FindingRow]
    returned: int
    pending: int


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, user: WebUserDep) -> HTMLResponse:
    services = services_of(request)
    queries = services.queries
    today = services.clock.today()
    context: dict[str, Any] = {"user": user, "today": today, "nav": "dashboard"}
    if user.is_staff:
        pending = FindingFilter(verification=Verification.PENDING)
        overdue = FindingFilter(overdue_on=today)
        waiting = queries.due_finding_ids(ReminderRule.CLAIM_WAITING)
        context.update(
            queue_count=queries.count_findings(pending),
            queue_rows=queries.list_findings(
                FindingFilter(verification=Verification.PENDING, limit=DASHBOARD_ROWS)
            ),
            overdue_count=queries.count_findings(overdue),
            overdue_rows=queries.list_findings(
                FindingFilter(overdue_on=today, limit=DASHBOARD_ROWS)
            ),
            waiting_count=len(waiting),
            waiting_rows=queries.findings_by_ids(waiting[:DASHBOARD_ROWS]),
            returned_count=queries.count_findings(
                FindingFilter(verification=Verification.RETURNED)
            ),
            claim_wait_days=queries.claim_wait_days,
        )
    elif user.is_officer:
        panels = []
        seen: set[UUID] = set()
        for name in user.departments:
            rows = [
                r
                for r in queries.list_findings(FindingFilter(department=name))
                if r.verification is not Verification.VERIFIED and r.finding_id not in seen
            ]
            seen.update(r.finding_id for r in rows)
            panels.append(
                DepartmentPanel(
                    name=name,
                    open_rows=rows,
                    returned=sum(r.verification is Verification.RETURNED for r in rows),
                    pending=sum(r.verification is Verification.PENDING for r in rows),
                )
            )
        mine = user.principal.departments
        context.update(
            panels=panels,
            overdue_rows=queries.due_findings(ReminderRule.OVERDUE, mine),
            due_soon_rows=queries.due_findings(ReminderRule.DUE_SOON, mine),
        )
    else:
        context.update(
            summary=summary_rows(queries.summary()),
            overdue_count=queries.count_findings(FindingFilter(overdue_on=today)),
            audits=queries.list_audits(),
        )
    inbox = queries.inbox_page_for(user.principal, InboxFilter())
    context["inbox_count"], context["inbox_unread"] = inbox.open, inbox.unread
    context.update(_labels())
    return render(request, "dashboard.html", context)


def _labels() -> dict[str, Any]:
    return {
        "kind_labels": {k.value: v for k, v in KIND_LABELS.items()},
        "status_labels": {k.value: v for k, v in STATUS_LABELS.items()},
        "verification_labels": {k.value: v for k, v in VERIFICATION_LABELS.items()},
        "status_columns": SUMMARY_STATUS_COLUMNS,
        "verification_columns": SUMMARY_VERIFICATION_COLUMNS,
        "audit_title": audit_title,
    }


@router.get("/summary", response_class=HTMLResponse)
def summary(request: Request, user: WebUserDep) -> HTMLResponse:
    services = services_of(request)
    queries = services.queries
    query = request.query_params
    audits = queries.list_audits()
    audit_id = parse_uuid(query.get("audit"))
    committee = (query.get("committee") or "").strip() or None
    typed, error = filter_name(query.get("department"))
    department = typed or None
    recorded_on = None
    try:
        as_of = parse_date(query.get("as_of") or "", "기준일")
        # Staff only: what the 총괄 showed at the end of that day (before later entries).
        if user.principal.is_council_staff:
            recorded_on = parse_date(query.get("recorded_on") or "", "기록 시점")
    except DomainError as exc:
        as_of, error = None, error or exc.message_ko
    try:
        table = queries.summary_for(
            user.principal,
            recorded_on=recorded_on,
            audit_id=audit_id,
            committee=committee,
            department=department,
            as_of=as_of,
        )
    except DomainError as exc:  # a department that does not exist: said, nothing counted
        error = error or exc.message_ko
        table = SummaryTable.from_counts([], as_of=as_of)
    # Counts link to the list, which shows findings as they are now: only then.
    base = {"audit": str(audit_id) if audit_id else "", "department": department or ""}
    return render(
        request,
        "summary.html",
        {
            "user": user,
            "nav": "summary",
            "audits": audits,
            "committees": sorted({a.committee for a in audits}),
            "selected_audit": str(audit_id) if audit_id else "",
            "committee": committee or "",
            "department": department or "",
            "as_of": as_of,
            "recorded_on": recorded_on,
            "rows": summary_rows(table),
            "carried_rows": summary_rows(table.carried) if table.carried else None,
            "repeats": sorted(queries.repeat_counts(audit_id)[""].items()),
            "link_base": None
            if as_of or recorded_on or committee
            else {k: v for k, v in base.items() if v},
            "summary_charts": summary_charts(
                queries, audit_id=audit_id, committee=committee, department=department, as_of=as_of
            ),
            "history": history_head(request),
            # Installation-wide (every council's events): its count for system admins (§8).
            "history_count": user.user.role is Role.ADMIN and user.principal.council is None,
            "error": error,
            **_labels(),
        },
        status_code=422 if error else 200,
    )


@router.get("/findings", response_class=HTMLResponse)
def findings(request: Request, user: WebUserDep) -> HTMLResponse:
    services = services_of(request)
    queries = services.queries
    q = request.query_params
    # Bounded before it becomes an offset (past the last page shows the last).
    page = page_number(q.get("page"), MAX_PAGE)
    audit_id = parse_uuid(q.get("audit"))
    department, name_error = filter_name(q.get("department"))
    filters = {
        "audit": str(audit_id) if audit_id else "",
        "department": department,
        "kind": (q.get("kind") or "") if parse_enum(FindingKind, q.get("kind")) else "",
        "status": (q.get("status") or "") if parse_enum(Status, q.get("status")) else "",
        "verification": (
            (q.get("verification") or "") if parse_enum(Verification, q.get("verification")) else ""
        ),
        "overdue": "1" if q.get("overdue") in ("1", "on", "true") else "",
        "raised_by": (q.get("raised_by") or "").strip(),
        "q": (q.get("q") or "").strip()[:200],
        "as_of": "",
        "sort": (q.get("sort") or "") if parse_enum(FindingSort, q.get("sort")) else "",
        "desc": "1" if q.get("desc") in ("1", "true") else "",
    }
    date_error = None
    try:
        as_of = parse_date(q.get("as_of") or "", "기준일")
    except DomainError as exc:
        as_of, date_error = None, exc.message_ko
    filters["as_of"] = as_of.isoformat() if as_of else ""
    date_error = date_error or name_error
    flt = FindingFilter(
        audit_id=audit_id,
        department=filters["department"] or None,
        kind=parse_enum(FindingKind, filters["kind"]),
        status=parse_enum(Status, filters["status"]),
        verification=parse_enum(Verification, filters["verification"]),
        raised_by=filters["raised_by"] or None,
        overdue_on=(as_of or services.clock.today()) if filters["overdue"] else None,
        text=filters["q"] or None,
        as_of=as_of,
        sort=parse_enum(FindingSort, filters["sort"]) or FindingSort.AUDIT,
        descending=bool(filters["desc"]),
    )
    error = date_error

    def page_of(n: int) -> tuple[list[FindingRow], int]:
        return queries.findings_for(
            user.principal, replace(flt, limit=PAGE_SIZE, offset=(n - 1) * PAGE_SIZE)
        )

    try:
        rows, total = page_of(page)
    except DomainError as exc:  # a department that does not exist: said, nothing listed
        error, rows, total, page = error or exc.message_ko, [], 0, 1
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:  # past the last page: the last one
        page = pages
        rows, total = page_of(page)
    active = {k: v for k, v in filters.items() if v}
    audits = queries.list_audits()
    # An audit's findings carried over from earlier years: a block of their own.
    carried = (
        queries.list_findings(replace(flt, audit_id=None, carried_into=audit_id))
        if audit_id and page == 1
        else []
    )
    return render(
        request,
        "findings.html",
        {
            "user": user,
            "nav": "findings",
            "filters": filters,
            "rows": rows,
            "carried": carried,
            "total": total,
            "page": page,
            "pages": pages,
            "first": (page - 1) * PAGE_SIZE + 1 if total else 0,
            "last": min(page * PAGE_SIZE, total),
            "page_url": lambda n: "/findings?" + urlencode({**active, "page": n}),
            # A column's header link: by that column, again to reverse it (from page 1).
            "sort_url": lambda key: (
                "/findings?"
                + urlencode(
                    {
                        **{k: v for k, v in active.items() if k not in ("sort", "desc")},
                        "sort": key,
                        **({"desc": "1"} if key == flt.sort and not flt.descending else {}),
                    }
                )
            ),
            "sort": flt.sort.value if flt.sort else "",
            # The same choice as a form field: a phone's stacked rows have no headers.
            "sort_options": SORT_OPTIONS,
            "descending": flt.descending,
            "audits": audits,
            "audit_names": {a.audit_id: audit_title(a) for a in audits},
            "departments": sorted({*user.departments, *(r.department for r in rows)}),
            "today": as_of or services.clock.today(),
            "as_of": as_of,
            "error": error,
            **_labels(),
        },
        status_code=422 if error else 200,
    )


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request, user: WebUserDep) -> HTMLResponse:
    return _inbox_page(request, user)


def _inbox_filter(request: Request) -> tuple[InboxFilter, dict[str, str]]:
    q = request.query_params
    state = parse_enum(InboxState, q.get("state")) or InboxState.OPEN
    topic = q.get("topic") or ""
    filters = {
        "state": state.value if state is not InboxState.OPEN else "",
        "topic": topic if topic in INBOX_TOPICS else "",
        "unread": "1" if q.get("unread") in ("1", "on", "true") else "",
    }
    page = page_number(q.get("page"), MAX_PAGE)
    flt = InboxFilter(
        state=state,
        topic=filters["topic"] or None,
        unread_only=bool(filters["unread"]),
        page=page,
    )
    return flt, filters


def _inbox_page(request: Request, user: WebUser) -> HTMLResponse:
    services = services_of(request)
    flt, filters = _inbox_filter(request)
    page = services.queries.inbox_page_for(user.principal, flt)
    active = {k: v for k, v in filters.items() if v}
    audits = services.queries.list_audits()
    return render(
        request,
        "inbox.html",
        {
            "user": user,
            "nav": "inbox",
            "inbox": page,
            "filters": filters,
            "active": active,
            # The kinds this inbox holds (and the one chosen), in the usual order.
            "topics": [
                (t, topic_name(t))
                for t in INBOX_TOPICS
                if t in page.topics or t == filters["topic"]
            ],
            "page_url": lambda n: "/inbox?" + urlencode({**active, "page": n}),
            "post_url": "/inbox/read?" + urlencode({**active, "page": page.page}),
            "audit_names": {a.audit_id: audit_title(a) for a in audits},
            "topic_name": topic_name,
            "topic_level": topic_level,
            "detail_label": detail_label,
            "key_value": inbox_key_value,
        },
    )


def inbox_key_value(key: InboxKey) -> str:
    """An entry's key as a form value: finding:version:log_version:recipient."""
    return f"{key.finding_id}:{key.version}:{key.log_version}:{key.recipient}"


def _parse_inbox_key(value: str) -> InboxKey | None:
    raw_id, version, log_version, recipient = ([*value.split(":", 3), "", "", ""])[:4]
    finding_id = parse_uuid(raw_id)
    numbers = [whole_number(v, maximum=MAX_VERSION) for v in (version, log_version)]
    if finding_id is None or None in numbers or not recipient or len(recipient) > 64:
        return None
    return InboxKey(finding_id, int(version), int(log_version), recipient)


@router.post("/inbox/read")
def mark_read(request: Request, user: WebUserDep, form: FormDep) -> RedirectResponse:
    """Mark some entries read (a finding's), or every open one ("all"); then back to
    the same filters and page (post/redirect/get: a reload posts nothing again)."""
    queries = services_of(request).queries
    if text(form, "all") == "1":
        queries.mark_inbox_read(user.principal)
    else:
        keys = [
            k
            for v in form.getlist("entry")
            if isinstance(v, str) and (k := _parse_inbox_key(v)) is not None
        ]
        queries.mark_inbox_read(user.principal, keys)
    _, filters = _inbox_filter(request)
    back = {k: v for k, v in filters.items() if v}
    page = page_number(request.query_params.get("page"), MAX_PAGE)
    return RedirectResponse(
        "/inbox?" + urlencode({**back, "page": page, "done": "inbox_read"}), status_code=303
    )


# -- verification queue (council staff) -----------------------------------------


@dataclass(frozen=True)
class QueueResult:
    pick: str  # "finding id:version", as the checkbox sent it
    finding_id: UUID | None
    title: str
    ok: bool
    message: str


QUEUE_PAGE_SIZE = 20  # a claim shows its text and files: fewer per page


def _queue_page(
    request: Request,
    user: WebUser,
    *,
    results: list[QueueResult] | None = None,
    error: str | None = None,
    reason: str = "",
    picked: frozenset[str] = frozenset(),
    status_code: int = 200,
) -> HTMLResponse:
    services = services_of(request)
    queries = services.queries
    q = request.query_params
    page = page_number(q.get("page"), MAX_PAGE)
    audit_id = parse_uuid(q.get("audit"))
    department, name_error = filter_name(q.get("department"))
    error = error or name_error
    if name_error:
        status_code = 422
    filters = {
        "audit": str(audit_id) if audit_id else "",
        "department": department,
        "kind": (q.get("kind") or "") if parse_enum(FindingKind, q.get("kind")) else "",
    }
    active = {k: v for k, v in filters.items() if v}
    flt = FindingFilter(
        audit_id=audit_id,
        department=filters["department"] or None,
        kind=parse_enum(FindingKind, filters["kind"]),
    )

    def page_of(n: int) -> tuple[list[FindingRow], int, dict[UUID, list[ReportEvidence]]]:
        return queries.verification_queue(
            user.principal, replace(flt, limit=QUEUE_PAGE_SIZE, offset=(n - 1) * QUEUE_PAGE_SIZE)
        )

    try:
        rows, total, evidence = page_of(page)
    except DomainError as exc:  # a department that does not exist: said, nothing listed
        error, rows, total, evidence, page = error or exc.message_ko, [], 0, {}, 1
        status_code = 422
    pages = max(1, -(-total // QUEUE_PAGE_SIZE))
    if page > pages:  # past the last page: the last one
        page = pages
        rows, total, evidence = page_of(page)
    today = services.clock.today()
    audits = queries.list_audits()
    return render(
        request,
        "queue.html",
        {
            "user": user,
            "nav": "queue",
            "rows": rows,
            "total": total,
            "page": page,
            "pages": pages,
            "filters": filters,
            "active": active,
            "page_url": lambda n: "/queue?" + urlencode({**active, "page": n}),
            # The decisions come back to the same filters and page.
            "post_url": "/queue?" + urlencode({**active, "page": page}),
            # What supports each claim, shown beside it: staff never verify blind.
            "evidence": evidence,
            "waited": {r.finding_id: (today - r.claimed_on).days for r in rows if r.claimed_on},
            "audits": audits,
            "audit_names": {a.audit_id: audit_title(a) for a in audits},
            "departments": sorted(d.name for d in queries.departments.list() if not d.merged_into),
            "results": results,
            "error": error,
            "reason": reason,
            "picked": picked,
            **_labels(),
        },
        status_code=status_code,
    )


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, user: WebUserDep) -> HTMLResponse:
    if not user.is_staff:
        return forbidden(request, user)
    return _queue_page(request, user)


@router.post("/queue", response_class=HTMLResponse)
def decide_many(request: Request, user: WebUserDep, form: FormDep) -> HTMLResponse:
    """Verify (or return) many claims at once; each names the version it was shown at."""
    if not user.is_staff:
        return forbidden(request, user)
    action = text(form, "action")
    reason = text(form, "reason")
    picks = [v for v in form.getlist("pick") if isinstance(v, str)]
    picked = frozenset(p.partition(":")[0] for p in picks)  # finding ids, ticked again
    if action not in ("verify", "return"):
        return _queue_page(request, user, error="처리 방법을 고르세요.", status_code=422)
    if not picks:
        return _queue_page(
            request, user, error="처리할 지적사항을 고르세요.", reason=reason, status_code=422
        )
    if action == "return" and not reason.strip():
        return _queue_page(
            request,
            user,
            error="보완요구 사유를 입력하세요.",
            reason=reason,
            picked=picked,
            status_code=422,
        )
    services = services_of(request)
    results = []
    for pick in picks:
        raw_id, _, raw_version = pick.partition(":")
        finding_id = parse_uuid(raw_id)
        version = whole_number(raw_version, maximum=MAX_VERSION)
        if finding_id is None or version is None:
            results.append(QueueResult(pick, None, pick, False, "잘못된 선택값입니다."))
            continue
        title = raw_id
        try:
            details = services.queries.get_finding(finding_id)
            title = f"{KIND_LABELS[details.kind]} {details.seq} · {details.department}"
            services.findings.decide_claim(
                Target(user.principal, finding_id, expected_version=version),
                verify=action == "verify",
                reason=reason if action == "return" else None,
            )
            message = "이행을 확인했습니다." if action == "verify" else "보완요구(반려)했습니다."
        except DomainError as exc:
            results.append(QueueResult(pick, finding_id, title, False, exc.message_ko))
            continue
        results.append(QueueResult(pick, finding_id, title, True, message))
    refused = sum(not r.ok for r in results)
    # Keep what was refused ticked and the reason, so they can be looked at again.
    return _queue_page(
        request,
        user,
        results=results,
        reason=reason if refused else "",
        picked=frozenset(str(r.finding_id) for r in results if not r.ok and r.finding_id),
    )


def forbidden(request: Request, user: WebUser, message: str | None = None) -> HTMLResponse:
    return render(
        request,
        "error.html",
        {
            "user": user,
            "title": "권한이 없습니다",
            "message": message or "이 화면은 의회 직원만 사용할 수 있습니다.",
        },
        status_code=403,
    )


def not_found(request: Request, user: WebUser, message: str) -> HTMLResponse:
    return render(
        request,
        "error.html",
        {"user": user, "title": "찾을 수 없습니다", "message": message},
        status_code=404,
    )
