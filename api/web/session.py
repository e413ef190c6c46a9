"""Who is at the browser: the session cookie of api.auth, with its CSRF check.

Web pages reuse ``api.auth.get_user`` (one place decides what a session is and
what a valid CSRF token is) but answer in HTML: an anonymous visitor is sent to
the login page, a missing token gets a Korean 403 page instead of JSON.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from api.auth import (
    CSRF_FIELD,
    FORM_TYPES,
    UNSAFE_METHODS,
    bind_user,
    end_session,
    get_accounts,
    get_user,
    set_private_cookie,
    start_session,
)
from api.web.rendering import render
from application.access import Principal
from application.accounts import (
    AuthenticationRequiredError,
    CsrfFailedError,
    LoginThrottledError,
    User,
)
from domain.errors import DomainError
from domain.values import has_bidi_control, has_unstorable
from domain.vocabulary import ROLE_LABELS, Role

LOGIN_CSRF_COOKIE = "followup_login_csrf"
# Upload forms (import, evidence, a report's files) carry files; their text fields
# stay small. A report sends at most this many files at once.
MAX_FORM_FILES = 10


@dataclass(frozen=True)
class WebUser:
    user: User
    csrf_token: str

    @property
    def principal(self) -> Principal:
        return self.user.principal()

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.user.role]

    @property
    def departments(self) -> tuple[str, ...]:
        return self.user.departments

    @property
    def council(self) -> str | None:
        """The council whose data the pages show (None: every council's)."""
        return self.user.council

    @property
    def is_staff(self) -> bool:
        return self.principal.is_council_staff

    @property
    def is_admin(self) -> bool:
        """Administrators may see the record's internals (versions, account ids)."""
        return self.user.role is Role.ADMIN

    @property
    def is_officer(self) -> bool:
        return self.user.role is Role.DEPARTMENT_OFFICER


class LoginRequired(Exception):
    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


class CsrfRefused(Exception):
    pass


async def posted_form(request: Request) -> FormData:
    """The form of an unsafe request (parsed once; Starlette caches it on the request)."""
    if request.method not in UNSAFE_METHODS or not request.headers.get(
        "content-type", ""
    ).startswith(FORM_TYPES):
        return FormData()
    return await request.form(max_files=MAX_FORM_FILES)


FormDep = Annotated[FormData, Depends(posted_form)]


async def web_user(request: Request, form: FormDep) -> WebUser:
    value = form.get(CSRF_FIELD)
    form_csrf = value if isinstance(value, str) else None
    try:
        # get_user reads the session store: off the event loop.
        user = await run_in_threadpool(
            get_user, request, get_accounts(request), form_csrf, None, None
        )
    except AuthenticationRequiredError:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target if request.method == "GET" else "/") from None
    except CsrfFailedError:
        raise CsrfRefused() from None
    # A page opened with an API token (no session) renders; its forms need none.
    return WebUser(user=user, csrf_token=str(getattr(request.state, "csrf_token", "")))


WebUserDep = Annotated[WebUser, Depends(web_user)]


def install_session_handlers(app: FastAPI) -> None:
    async def to_login(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return RedirectResponse(f"/login?next={quote(exc.target, safe='')}", status_code=303)

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        return render(
            request,
            "error.html",
            {
                "title": "요청이 거부되었습니다",
                "message": CsrfFailedError.message_ko,
            },
            status_code=403,
        )

    app.add_exception_handler(LoginRequired, to_login)
    app.add_exception_handler(CsrfRefused, csrf_refused)


# -- login and logout --------------------------------------------------------------

router = APIRouter(include_in_schema=False)


def _safe_next(value: str | None) -> str:
    """Only a path of this site: never an open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _login_page(
    request: Request,
    *,
    name: str = "",
    target: str = "/",
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    # Login CSRF: a double-submit token, since there is no session yet to bind one to.
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        {"name": name, "next": target, "login_csrf": token, "error": error},
        status_code=status_code,
    )
    set_private_cookie(
        request, response, LOGIN_CSRF_COOKIE, token, path="/login", samesite="strict"
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return _login_page(request, target=_safe_next(request.query_params.get("next")))


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, form: FormDep) -> Response:
    name = str(form.get("name") or "").strip()
    password = str(form.get("password") or "")
    target = _safe_next(str(form.get("next") or "/"))
    sent = str(form.get("login_csrf") or "")
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")

    def refused(error: str, status_code: int) -> HTMLResponse:
        return _login_page(request, name=name, target=target, error=error, status_code=status_code)

    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        return refused("로그인 화면이 만료되었습니다. 다시 시도하세요.", 403)
    if not name or not password:
        return refused("아이디와 비밀번호를 입력하세요.", 422)
    if len(name) > 200 or has_unstorable(name) or has_bidi_control(name):
        # Held to the rules of names, as the API's sign-in is: no failed attempt counted.
        return refused("아이디에 쓸 수 없는 문자가 있습니다.", 422)
    accounts = get_accounts(request)
    try:
        user = accounts.authenticate(name, password, request.client.host if request.client else "")
    except LoginThrottledError as exc:
        minutes = max(1, -(-exc.retry_after // 60))
        return refused(f"{exc.message_ko} (약 {minutes}분 후)", 429)
    except DomainError as exc:  # wrong name or password: deliberately not which
        return refused(exc.message_ko, 401)
    bind_user(user, "login")
    response = RedirectResponse(target, status_code=303)
    start_session(request, response, accounts, user)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, _: WebUserDep) -> Response:
    response = RedirectResponse("/login?done=logout", status_code=303)
    end_session(request, response, get_accounts(request))
    return response
