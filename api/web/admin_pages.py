"""Administrators' pages: accounts, API tokens and departments.

Each page is for the admin role only (the application checks it again); every
form posts back with the session's CSRF token, redirects (303) on success and
shows a refusal next to its form (422), the page otherwise as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from api.auth import get_accounts
from api.web.forms import FormError, FormInputError, message_for, parse_date, text
from api.web.pages import forbidden, services_of
from api.web.rendering import render
from api.web.session import FormDep, WebUser, WebUserDep
from application.accounts import AccountAdmin, TokenInfo
from application.departments import DepartmentDirectory
from application.dto import DepartmentRow
from application.errors import PermissionDeniedError
from domain.errors import DomainError
from domain.values import has_bidi_control, has_unstorable, one_line
from domain.vocabulary import ROLE_LABELS, Role

router = APIRouter(include_in_schema=False)

ADMIN_ONLY = "이 화면은 관리자만 사용할 수 있습니다."

# Post/redirect/get: what the redirect's ``done`` says, in Korean.
DONE: dict[str, str] = {
    "disabled": "사용자를 사용 중지했습니다. 그 사용자의 로그인과 API 토큰이 바로 막혔습니다.",
    "enabled": "사용자를 다시 사용할 수 있게 했습니다.",
    "password": "비밀번호를 바꿨습니다. 그 사용자는 새 비밀번호로 다시 로그인해야 합니다.",
    "role": "역할과 담당부서를 바꿨습니다. 그 사용자는 다시 로그인해야 합니다.",
    "unlock": "로그인 제한을 풀었습니다.",
    "revoked": "API 토큰을 폐기했습니다. 그 토큰으로는 더 이상 접속할 수 없습니다.",
    "registered": "부서를 등록했습니다.",
    "renamed": "부서 명칭을 바꿨습니다.",
    "merged": "부서를 통합했습니다.",
}


def _admin(request: Request) -> AccountAdmin:
    services = services_of(request)
    return AccountAdmin(get_accounts(request), services.queries.departments, services.clock)


def _status(exc: DomainError) -> int:
    # Everything an administrator's form is refused for is the input's fault.
    return 403 if isinstance(exc, PermissionDeniedError) else 422


def _flash(request: Request) -> str | None:
    return DONE.get(request.query_params.get("done", ""))


def _done(path: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?done={done}", status_code=303)


# -- users ----------------------------------------------------------------------


@dataclass(frozen=True)
class UserCard:
    """A user as the page shows it: Korean labels, no ids."""

    name: str
    role: str  # the role's value, for the select
    role_label: str
    departments: tuple[str, ...]
    active: bool
    locked_until: datetime | None
    is_self: bool
    council: str | None = None


def _cards(admin: AccountAdmin, user: WebUser) -> list[UserCard]:
    locks = admin.locked_until(user.principal)
    return [
        UserCard(
            name=u.name,
            role=u.role.value,
            role_label=ROLE_LABELS[u.role],
            departments=u.departments,
            active=u.active,
            locked_until=locks.get(u.name),
            is_self=u.id == user.user.id,
            council=u.council,
        )
        for u in admin.users(user.principal)
    ]


def _current_departments(request: Request) -> list[str]:
    """The names a user may be bound to: registered departments not merged away."""
    rows = services_of(request).queries.departments_list()
    return sorted(r.name for r in rows if r.merged_into is None)


def _users_page(
    request: Request,
    user: WebUser,
    *,
    form_error: FormError | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    cards = _cards(_admin(request), user)
    error = None
    if form_error:
        # The message goes beside the user's form; a name on no card (unknown, or
        # odd input) has no form to go beside: the message is said at the top.
        name = form_error.form.partition(":")[2]
        shown = any(c.name == name for c in cards)
        error = f"{name}: 입력한 내용이 처리되지 않았습니다." if shown else form_error.message
    context: dict[str, Any] = {
        "user": user,
        "nav": "admin",
        "section": "users",
        "users": cards,
        "roles": [(r.value, ROLE_LABELS[r]) for r in Role],
        "departments": _current_departments(request),
        "form_error": form_error,
        "error": error,
        "flash": _flash(request),
    }
    return render(request, "admin_users.html", context, status_code=status_code)


@router.get("/admin", response_class=HTMLResponse)
@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, user: WebUserDep) -> HTMLResponse:
    if not user.is_admin:
        return forbidden(request, user, ADMIN_ONLY)
    return _users_page(request, user)


UserAction = Callable[[AccountAdmin, WebUser, str, FormData], str]
"""An action on a user: (use cases, the administrator, the user's name, the form) → done."""


def _disable(admin: AccountAdmin, user: WebUser, name: str, form: FormData) -> str:
    admin.set_active(user.principal, name, False)
    return "disabled"


def _enable(admin: AccountAdmin, user: WebUser, name: str, form: FormData) -> str:
    admin.set_active(user.principal, name, True)
    return "enabled"


class PasswordsDifferError(FormInputError):
    def __init__(self) -> None:
        super().__init__("비밀번호 확인")
        self.message_ko = "두 번 입력한 새 비밀번호가 서로 다릅니다."


def _password(admin: AccountAdmin, user: WebUser, name: str, form: FormData) -> str:
    password = text(form, "password")
    if password != text(form, "password_repeat"):
        raise PasswordsDifferError()
    admin.reset_password(user.principal, name, password)
    return "password"


def _role(admin: AccountAdmin, user: WebUser, name: str, form: FormData) -> str:
    try:
        role = Role(text(form, "role"))
    except ValueError:
        raise FormInputError("역할") from None
    departments = [d for d in form.getlist("department") if isinstance(d, str) and d.strip()]
    admin.set_role(user.principal, name, role, departments)
    return "role"


def _unlock(admin: AccountAdmin, user: WebUser, name: str, form: FormData) -> str:
    admin.unlock(user.principal, name)
    return "unlock"


USER_ACTIONS: dict[str, UserAction] = {
    "disable": _disable,
    "enable": _enable,
    "password": _password,
    "role": _role,
    "unlock": _unlock,
}


@router.post("/admin/users/{action}", response_class=HTMLResponse)
def act_on_user(action: str, request: Request, user: WebUserDep, form: FormDep) -> Response:
    if not user.is_admin:
        return forbidden(request, user, ADMIN_ONLY)
    command = USER_ACTIONS.get(action)
    if command is None:
        return render(
            request,
            "error.html",
            {"user": user, "title": "찾을 수 없습니다", "message": "없는 화면입니다."},
            status_code=404,
        )
    name = text(form, "name")
    try:
        done = command(_admin(request), user, name, form)
    except DomainError as exc:
        error = FormError(f"{action}:{name}", message_for(exc))
        return _users_page(request, user, form_error=error, status_code=_status(exc))
    return _done("/admin/users", done)


# -- API tokens -------------------------------------------------------------------


def _tokens_page(
    request: Request,
    user: WebUser,
    *,
    form_error: FormError | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    tokens: list[TokenInfo] = _admin(request).tokens(user.principal)
    context: dict[str, Any] = {
        "user": user,
        "nav": "admin",
        "section": "tokens",
        "tokens": tokens,
        "form_error": form_error,
        "error": form_error.message if form_error else None,
        "flash": _flash(request),
    }
    return render(request, "admin_tokens.html", context, status_code=status_code)


@router.get("/admin/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, user: WebUserDep) -> HTMLResponse:
    if not user.is_admin:
        return forbidden(request, user, ADMIN_ONLY)
    return _tokens_page(request, user)


@router.post("/admin/tokens/revoke", response_class=HTMLResponse)
def revoke_token(request: Request, user: WebUserDep, form: FormDep) -> Response:
    if not user.is_admin:
        return forbidden(request, user, ADMIN_ONLY)
    token_id = text(form, "token_id")
    try:
        _admin(request).revoke_token(user.principal, token_id)
    except DomainError as exc:
        error = FormError(f"revoke:{token_id}", message_for(exc))
        return _tokens_page(request, user, form_error=error, status_code=_status(exc))
    return _done("/admin/tokens", "revoked")


# -- departments ------------------------------------------------------------------

DEPARTMENT_FIELDS = ("name", "new_name", "into", "effective_on", "reason")
DEPARTMENT_NAME_MAX = 200


class DepartmentFormError(FormInputError):
    """What the department forms say in Korean before the application's generic
    "부서 정보가 올바르지 않습니다" (which it keeps for the API)."""

    def __init__(self, message_ko: str) -> None:
        super().__init__("부서")
        self.message_ko = message_ko


def _check_new_name(directory: DepartmentDirectory, value: str, label: str) -> None:
    if has_unstorable(value) or has_bidi_control(value):
        # Names are compared and listed among others: nothing may hide or reorder them.
        raise DepartmentFormError(
            f"{label}에 쓸 수 없는 문자가 있습니다 (제어 문자 또는 방향 제어 문자)."
        )
    clean = one_line(value)
    if not clean:
        raise DepartmentFormError(f"{label}을 입력하세요.")
    if len(clean) > DEPARTMENT_NAME_MAX:
        raise DepartmentFormError(f"{label}은 {DEPARTMENT_NAME_MAX}자까지 쓸 수 있습니다.")
    if (known := directory.find(clean)) is not None:
        raise DepartmentFormError(f"이미 어느 부서가 쓰고 있거나 썼던 명칭입니다: {known.name}")


def _departments_page(
    request: Request,
    user: WebUser,
    *,
    form_error: FormError | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rows: list[DepartmentRow] = services_of(request).queries.departments_list()
    names = {r.department_id: r.name for r in rows}
    context: dict[str, Any] = {
        "user": user,
        "nav": "admin",
        "section": "departments",
        "rows": rows,
        "target_names": {r.department_id: names.get(r.merged_into or "", "") for r in rows},
        "current": sorted(r.name for r in rows if r.merged_into is None),
        "today": services_of(request).clock.today(),
        "form_error": form_error,
        "values": values or {},
        "error": "입력한 내용이 처리되지 않았습니다. 아래 양식의 안내를 보세요."
        if form_error
        else None,
        "flash": _flash(request),
    }
    return render(request, "admin_departments.html", context, status_code=status_code)


@router.get("/admin/departments", response_class=HTMLResponse)
def departments_page(request: Request, user: WebUserDep) -> HTMLResponse:
    if not user.is_admin:
        return forbidden(request, user, ADMIN_ONLY)
    return _departments_page(request, user)


@router.post("/admin/departments/{action}", response_class=HTMLResponse)
def act_on_department(action: str, request: Request, user: WebUserDep, form: FormDep) -> Response:
    if not user.is_admin:
        return forbidden(request, user, ADMIN_ONLY)
    if action not in ("register", "rename", "merge"):
        return render(
            request,
            "error.html",
            {"user": user, "title": "찾을 수 없습니다", "message": "없는 화면입니다."},
            status_code=404,
        )
    values = {f: text(form, f) for f in DEPARTMENT_FIELDS}
    services = services_of(request)
    departments, directory = services.departments, services.queries.departments
    try:
        if action == "register":
            _check_new_name(directory, values["name"], "부서명")
            departments.register(user.principal, values["name"])
            done = "registered"
        else:
            effective_on = parse_date(values["effective_on"], "시행일")
            if effective_on is None:
                raise FormInputError("시행일")
            if action == "rename":
                if one_line(values["name"]) and one_line(values["name"]) == one_line(
                    values["new_name"]
                ):
                    raise DepartmentFormError("새 명칭이 지금 명칭과 같습니다.")
                _check_new_name(directory, values["new_name"], "새 명칭")
                departments.rename(
                    user.principal,
                    values["name"],
                    new_name=values["new_name"],
                    effective_on=effective_on,
                    reason=values["reason"],
                )
                done = "renamed"
            else:
                if one_line(values["name"]) == one_line(values["into"]):
                    raise DepartmentFormError("통합되는 부서와 통합하는 부서가 같습니다.")
                departments.merge(
                    user.principal,
                    values["name"],
                    into=values["into"],
                    effective_on=effective_on,
                    reason=values["reason"],
                )
                done = "merged"
    except DomainError as exc:
        return _departments_page(
            request,
            user,
            form_error=FormError(action, message_for(exc)),
            values=values,
            status_code=_status(exc),
        )
    return _done("/admin/departments", done)


__all__ = ["router"]
