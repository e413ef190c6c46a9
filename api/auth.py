"""Who is calling: API tokens (Bearer) or a browser session cookie with CSRF (SPEC §8).

Every route but /health depends on ``PrincipalDep`` (or ``UserDep``). Tokens are
not sent by browsers on their own, so only cookie-authenticated unsafe requests
need the CSRF token, in the ``X-CSRF-Token`` header or a ``csrf_token`` form field.
The store lives on ``app.state.accounts`` (an ``AccountStore``), set in the lifespan.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Request, Response, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from api.errors import ErrorResponse, log_refusal
from api.logs import bind_request
from api.openapi import errors
from api.schemas import NAME_PATTERN
from application import accounts as account_errors
from application.access import Principal
from application.accounts import AccountStore, User
from domain.errors import DomainError
from domain.vocabulary import ROLE_LABELS

SESSION_COOKIE = "followup_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SESSION_MAX_AGE = 12 * 60 * 60  # as the store's session lifetime
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# The HTTP answer of each account error (everything else: api/errors.py).
AUTH_ERROR_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (account_errors.AuthenticationRequiredError, 401),
    (account_errors.InvalidCredentialsError, 401),
    (account_errors.CsrfFailedError, 403),
    (account_errors.LoginThrottledError, 429),
    (account_errors.UnknownUserError, 404),
    (account_errors.UserExistsError, 409),
    (account_errors.PasswordTooShortError, 422),
    (account_errors.InvalidAccountError, 422),
)


def auth_error_headers(exc: DomainError) -> dict[str, str]:
    """401 must name the scheme (RFC 9110); 429 says when to come back."""
    unauthenticated = account_errors.AuthenticationRequiredError
    if isinstance(exc, unauthenticated | account_errors.InvalidCredentialsError):
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(exc, account_errors.LoginThrottledError):
        return {"Retry-After": str(exc.retry_after)}
    return {}


def install_auth_error_handlers(app: FastAPI) -> None:
    """Handlers per account error class; Starlette prefers them to the DomainError one."""

    async def handle(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        status = next(s for cls, s in AUTH_ERROR_STATUS if isinstance(exc, cls))
        log_refusal(exc, status)
        body = {
            "code": exc.code,
            "message_ko": exc.message_ko,
            "message_en": exc.message_en,
            "detail": exc.detail,
        }
        return ErrorResponse(body, status, headers=auth_error_headers(exc))

    for cls, _status in AUTH_ERROR_STATUS:
        app.add_exception_handler(cls, handle)


def get_accounts(request: Request) -> AccountStore:
    accounts: AccountStore = request.app.state.accounts
    return accounts


AccountsDep = Annotated[AccountStore, Depends(get_accounts)]


async def _form_csrf(request: Request) -> str | None:
    """The ``csrf_token`` field of a form post by a session; reading a form needs ``await``.

    FastAPI has already parsed (and cached) the form of a route with form fields,
    so this does not consume a body the route needs.
    """
    if (
        request.method not in UNSAFE_METHODS
        or CSRF_HEADER in request.headers
        or "authorization" in request.headers
        or SESSION_COOKIE not in request.cookies
        or not request.headers.get("content-type", "").startswith(FORM_TYPES)
    ):
        return None
    value = (await request.form()).get(CSRF_FIELD)
    return value if isinstance(value, str) else None


# Declared for the OpenAPI document (the docs' "Authorize" button); get_user reads
# the headers itself so that a malformed Authorization header is refused, not ignored.
_bearer_scheme = HTTPBearer(auto_error=False, description="API token: `Bearer fu_…`")
_cookie_scheme = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, description="Browser session (POST /session)"
)


def get_user(
    request: Request,
    accounts: AccountsDep,
    form_csrf: Annotated[str | None, Depends(_form_csrf)],
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer_scheme)],
    _cookie: Annotated[str | None, Security(_cookie_scheme)],
) -> User:
    authorization = request.headers.get("authorization")
    if authorization is not None:
        # An explicit credential is never second-guessed by the cookie.
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise account_errors.AuthenticationRequiredError(
                "Authorization: Bearer <token> expected"
            )
        user = accounts.user_for_token(token.strip())
        if user is None or not user.active:
            raise account_errors.AuthenticationRequiredError("unknown or revoked token")
        bind_user(user, "api")
        request.state.principal = user.principal()  # whose council the pages serve
        return user
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise account_errors.AuthenticationRequiredError()
    found = accounts.session(cookie)
    if found is None or not found[0].active:
        raise account_errors.AuthenticationRequiredError("session ended or expired")
    user, csrf = found
    bind_user(user, "cookie")  # before the CSRF check: a refusal names whose session it was
    if request.method in UNSAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER) or form_csrf or ""
        if not hmac.compare_digest(sent.encode(), csrf.encode()):
            raise account_errors.CsrfFailedError()
    request.state.csrf_token = csrf  # for templates rendering forms
    request.state.principal = user.principal()  # whose council the pages serve
    return user


def bind_user(user: User, by: str) -> None:
    """Every later line of this request names the account acting (its id, never its name
    or credential) and how it was authenticated (``api``, ``cookie``, ``login``)."""
    bind_request(user_id=user.id, role=user.role.value, council=user.council, via=by)


UserDep = Annotated[User, Depends(get_user)]


def get_principal(user: UserDep) -> Principal:
    return user.principal()


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def set_private_cookie(
    request: Request,
    response: Response,
    name: str,
    value: str,
    *,
    path: str = "/",
    samesite: Literal["lax", "strict"] = "lax",
) -> None:
    """An HttpOnly cookie that lives as long as a session, Secure when served over HTTPS."""
    response.set_cookie(
        name,
        value,
        max_age=SESSION_MAX_AGE,
        path=path,
        httponly=True,
        samesite=samesite,
        secure=request.url.scheme == "https",
    )


def start_session(request: Request, response: Response, accounts: AccountStore, user: User) -> str:
    """Sign the user in on ``response``: a fresh session id at each sign-in (no session
    fixation), in an HttpOnly cookie. Returns the session's CSRF token."""
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        accounts.end_session(previous)
    cookie, csrf = accounts.create_session(user)
    set_private_cookie(request, response, SESSION_COOKIE, cookie)
    return csrf


def end_session(request: Request, response: Response, accounts: AccountStore) -> None:
    """Sign out: end the cookie's session and drop the cookie."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        accounts.end_session(cookie)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


# -- routes (mounted under /api/v1) ---------------------------------------------

auth_router = APIRouter(tags=["auth"])


class LoginRequest(BaseModel):
    # A name is held to the rules of names (no control or bidi characters: a 422, not
    # a failed sign-in that counts against someone); the password is taken as typed.
    name: str = Field(min_length=1, max_length=200, pattern=NAME_PATTERN)
    password: str = Field(min_length=1, max_length=1024)


class SessionOut(BaseModel):
    name: str
    role: str
    departments: list[str]
    csrf_token: str


class MeOut(BaseModel):
    id: str
    name: str
    role: str
    role_label: str
    departments: list[str]
    council: str | None = Field(
        default=None, description="The council whose data it sees (null: every council)."
    )
    csrf_token: str | None = Field(description="Present when signed in by a session cookie.")


@auth_router.post("/session", response_model=SessionOut, responses=errors(401, 429))
def login(
    body: LoginRequest, request: Request, response: Response, accounts: AccountsDep
) -> SessionOut:
    """Sign in: sets the session cookie; send the returned csrf_token with unsafe requests."""
    client = request.client.host if request.client else ""
    user = accounts.authenticate(body.name, body.password, client)
    bind_user(user, "login")
    csrf = start_session(request, response, accounts, user)
    return SessionOut(
        name=user.name, role=user.role.value, departments=list(user.departments), csrf_token=csrf
    )


@auth_router.delete("/session", status_code=204)
def logout(request: Request, user: UserDep, accounts: AccountsDep) -> Response:
    """Sign out: ends the cookie's session (a CSRF-checked unsafe request)."""
    response = Response(status_code=204)
    end_session(request, response, accounts)
    return response


@auth_router.get("/me", response_model=MeOut)
def me(request: Request, user: UserDep) -> MeOut:
    return MeOut(
        id=user.id,
        name=user.name,
        role=user.role.value,
        role_label=ROLE_LABELS[user.role],
        departments=list(user.departments),
        council=user.council,
        csrf_token=getattr(request.state, "csrf_token", None),
    )
