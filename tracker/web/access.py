"""Who is asking, on every request: the session user (Flask-Login), an API token
(`Authorization: Bearer`), the CSRF rule, TRACKER_PUBLIC_READ, and `require_role` for views.

- A request that carries `Authorization: Bearer` is authenticated by that token only: the
  session cookie is ignored, so skipping the CSRF check for it cannot be abused by a page that
  rides on a browser's cookie (a cross-site form cannot set that header). A bad token is a 401.
- Every other POST/PUT/PATCH/DELETE needs its CSRF token (Flask-WTF); a missing one is a 400.
- Session cookies are HttpOnly, SameSite=Lax, Secure over HTTPS (TRACKER_SECURE_COOKIES) and
  last TRACKER_SESSION_HOURS from sign-in; a new password or a disabled account ends them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from flask import (
    Flask,
    Request,
    current_app,
    g,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from tracker import auth, vocab
from tracker.errors import Forbidden, TooManyAttempts, Unauthorized
from tracker.i18n import current_lang, gettext
from tracker.models import User
from tracker.throttle import Throttle, make_throttle
from tracker.web.request import db_session, state, wants_json

THROTTLE = "tracker.throttle"
SIGNED_IN_AT = "signed_in_at"
REALM = 'Bearer realm="tracker"'
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# What an anonymous person may still fetch when TRACKER_PUBLIC_READ is off.
OPEN_ENDPOINTS = frozenset({"account.sign_in", "account.sign_out", "static", "pages.static",
                            "assets.asset", "bootstrap.static", "pages.healthz"})

F = TypeVar("F", bound=Callable[..., Any])


def bearer_token(req: Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header ('' when it is empty)."""
    header = req.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def signed_in_user() -> User | None:
    """The request's user (session or token), or None for an anonymous request."""
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    return user if isinstance(user, User) else None


def throttle() -> Throttle:
    value: Throttle = current_app.extensions[THROTTLE]
    return value


def session_lifetime() -> timedelta:
    return timedelta(hours=state().settings.session_hours)


# --------------------------------------------------------------------------- loaders

def _load_session_user(user_id: str) -> User | None:
    if bearer_token(request) is not None:
        return None  # a token request is judged by its token alone
    id_text, _, stamp = user_id.partition(".")
    started = session.get(SIGNED_IN_AT)
    if not id_text.isdigit() or not isinstance(started, int | float) or \
            time.time() - started > session_lifetime().total_seconds():
        return None
    user = db_session().get(User, int(id_text))
    if user is None or not user.active or user.session_stamp() != stamp:
        return None
    return user


def _load_token_user(req: Request) -> User | None:
    plain = bearer_token(req)
    if not plain:
        return None
    return auth.verify_token(db_session(), plain)


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, Secure when TRACKER_SECURE_COOKIES says so ("auto": when
    this request came over HTTPS, as ProxyFix reports it behind a proxy)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        mode = app.extensions["tracker"].settings.secure_cookies
        if mode == "auto":
            return has_request_context() and request.is_secure
        return bool(mode == "1")


# --------------------------------------------------------------------------- checks

def _is_api() -> bool:
    return request.path.startswith(("/api/", "/ogc"))


def _is_page() -> bool:
    return not wants_json() and bearer_token(request) is None


def _check_request() -> None:
    """Before every view: authenticate a token request, check CSRF on a cookie request,
    and keep anonymous readers out when TRACKER_PUBLIC_READ is off."""
    if request.method == "OPTIONS" or request.routing_exception is not None:
        return  # no view will run: the 404 or 405 (with its Allow) answers, not a CSRF 400
    token = bearer_token(request)
    if token is not None:
        if signed_in_user() is None:
            raise Unauthorized(gettext("auth.bad_token"),
                               detail="the token is unknown, revoked, or its user is disabled")
    elif request.method in UNSAFE_METHODS and (not _is_api() or signed_in_user() is not None):
        # forms always (sign-in too); the API when a session cookie signed the caller in, so
        # an anonymous API write gets its 401 rather than a CSRF 400
        cast(CSRFProtect, current_app.extensions["csrf"]).protect()
    if not state().settings.public_read and request.endpoint not in OPEN_ENDPOINTS and \
            signed_in_user() is None:
        raise Unauthorized(gettext("auth.sign_in_to_read"))


def role_label(code: str) -> str:
    term = vocab.lookup(vocab.ROLES, code)
    return term.label(current_lang()) if term else code


def check_role(role: str) -> User:
    """The request's user if they hold `role`: anonymous → Unauthorized (401, or the sign-in
    page), a lower role → Forbidden (403)."""
    user = signed_in_user()
    if user is None:
        raise Unauthorized(gettext("auth.sign_in_first"))
    if not auth.has_role(user, role):
        raise Forbidden(gettext("auth.forbidden"),
                        detail=gettext("auth.needs_role", role=role_label(role)))
    return user


def require_role(role: str) -> Callable[[F], F]:
    """Decorate a view that needs `role` (or a higher one); see `check_role`."""
    auth.has_role(None, role)  # an unknown role fails at import, not at the first request

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            check_role(role)
            return view(*args, **kwargs)
        return cast(F, wrapped)
    return decorate


# --------------------------------------------------------------------------- error replies

def _unauthorized(exc: Unauthorized) -> Any:
    if _is_page():
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("account.sign_in", next=target), 303)
    challenge = REALM + (', error="invalid_token"' if bearer_token(request) is not None
                         else "")
    response = jsonify({"error": exc.message, "detail": exc.detail})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = challenge
    return response


def _too_many(exc: TooManyAttempts) -> Any:
    headers = {"Retry-After": str(exc.retry_after)}
    if wants_json():
        return jsonify({"error": exc.message, "detail": exc.detail}), 429, headers
    return render_template("error.html", status=429, message=exc.message,
                           detail=exc.detail), 429, headers


def _csrf_failed(exc: CSRFError) -> Any:
    message = gettext("auth.csrf_failed")
    if wants_json():
        return jsonify({"error": message, "detail": exc.description}), 400
    return render_template("error.html", status=400, message=message,
                           detail=exc.description), 400


def _vary_on_credentials(response: Any) -> Any:
    """Pages and API answers may depend on who asks: caches must key on both."""
    if g.get("_login_user") is not None or not state().settings.public_read:
        response.vary.add("Cookie")
        response.vary.add("Authorization")
    return response


def init_app(app: Flask) -> None:
    settings = app.extensions["tracker"].settings
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        SESSION_REFRESH_EACH_REQUEST=False,
        WTF_CSRF_CHECK_DEFAULT=False,  # _check_request decides (token requests are exempt)
        WTF_CSRF_TIME_LIMIT=None,  # a form's token lasts as long as its session
        WTF_CSRF_SSL_STRICT=True,
    )
    if settings.proxy_hops:
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    app.session_interface = _SessionInterface()
    manager = LoginManager()
    manager.init_app(app)
    manager.session_protection = "basic"
    manager.user_loader(_load_session_user)
    manager.request_loader(_load_token_user)

    def unauthorized() -> Any:
        raise Unauthorized(gettext("auth.sign_in_first"))

    manager.unauthorized_handler(unauthorized)
    # There is no "remember me" cookie here; Flask-Login's after-request hook for it touches
    # the session on every response, which would put "Vary: Cookie" on every public answer.
    app.after_request_funcs[None].remove(manager._update_remember_cookie)
    CSRFProtect(app)
    app.extensions[THROTTLE] = make_throttle(settings)
    app.before_request(_check_request)
    app.after_request(_vary_on_credentials)
    app.register_error_handler(Unauthorized, _unauthorized)
    app.register_error_handler(TooManyAttempts, _too_many)
    app.register_error_handler(CSRFError, _csrf_failed)
