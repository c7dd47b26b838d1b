"""Account pages: sign in and out, the user's own page (password, API tokens), and for admins
the list of users (add, change role, disable or enable).

Views are thin: a Flask-WTF form carries the values and the CSRF token; tracker.auth validates,
changes, audits and commits; an AccountError comes back as the message next to its field, in
the reader's language.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField

from tracker import auth, vocab
from tracker.audit import Actor
from tracker.errors import NotFound, TooManyAttempts, Unauthorized
from tracker.formatting import local_time
from tracker.i18n import current_lang, gettext
from tracker.models import User
from tracker.web.access import SIGNED_IN_AT, require_role, role_label, signed_in_user, throttle
from tracker.web.request import db_session

bp = Blueprint("account", __name__)

# --------------------------------------------------------------------------- forms

class SignInForm(FlaskForm):
    username = StringField()
    password = PasswordField()
    next = HiddenField()


class PasswordForm(FlaskForm):
    current = PasswordField()
    password = PasswordField()
    confirm = PasswordField()


class TokenForm(FlaskForm):
    name = StringField()


class UserForm(FlaskForm):
    username = StringField()
    display_name = StringField()
    role = SelectField(validate_choice=False)
    password = PasswordField()
    confirm = PasswordField()


class RoleForm(FlaskForm):
    role = SelectField(validate_choice=False)


class ButtonForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


def _me() -> User:
    """The signed-in user of a view that `require_role` already guards."""
    user = signed_in_user()
    if user is None:
        raise Unauthorized(gettext("auth.sign_in_first"))
    return user


def _role_choices() -> list[tuple[str, str]]:
    return [(t.code, t.label(current_lang())) for t in vocab.ROLES]


def _show_error(form: FlaskForm, exc: auth.AccountError) -> str | None:
    """Put the error next to its field; return it when it belongs to no field."""
    message = gettext(exc.key, **exc.params)
    field = getattr(form, exc.field, None) if exc.field else None
    if field is None:
        return message
    field.errors = [*field.errors, message]
    return None


def _mismatch(form: Any) -> bool:
    if form.password.data != form.confirm.data:
        form.confirm.errors = [*form.confirm.errors, gettext("account.error.confirm")]
        return True
    return False


# --------------------------------------------------------------------------- helpers

def safe_next(target: str | None) -> str | None:
    """Only a path on this site (never another host, never a scheme) is a place to go next."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or \
            target.startswith("//") or "\\" in target:
        return None
    return target


def _no_store(response: Any, status: int = 200, headers: dict[str, str] | None = None
              ) -> Response:
    out = Response(response, status=status, headers=headers or {})
    out.headers["Cache-Control"] = "no-store"
    return out


@bp.app_context_processor
def _account_helpers() -> dict[str, Any]:
    return {"local_time": local_time, "role_label": role_label,
            "signed_in_user": signed_in_user, "can": auth.can}


# --------------------------------------------------------------------------- sign in and out

def _start_session(user: User) -> None:
    session.clear()  # nothing from before the sign-in carries over
    login_user(user)
    session.permanent = True
    session[SIGNED_IN_AT] = int(time.time())


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    form = SignInForm()
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if signed_in_user() is not None:
            return redirect(target or url_for("account.account"))
        form.next.data = target or ""
        return _no_store(render_template("account/sign_in.html", form=form, error=None))
    status, headers, error = 200, {}, None
    if not form.validate():
        status, error = 400, gettext("auth.form_invalid")
    else:
        try:
            user = auth.sign_in(db_session(), throttle(), form.username.data or "",
                                form.password.data or "", request.remote_addr)
        except TooManyAttempts as exc:
            minutes = max(1, -(-exc.retry_after // 60))
            status, headers = 429, {"Retry-After": str(exc.retry_after)}
            error = gettext("auth.throttled", minutes=minutes)
        except Unauthorized:
            status, error = 401, gettext("auth.wrong_credentials")
        else:
            _start_session(user)
            return redirect(target or url_for("pages.index"), 303)
    form.password.data = ""
    return _no_store(render_template("account/sign_in.html", form=form, error=error),
                     status, headers)


@bp.route("/sign-out", methods=["POST"])
def sign_out() -> Any:
    logout_user()
    session.clear()
    return redirect(url_for("pages.index"), 303)


# --------------------------------------------------------------------------- the user's page

def _account_page(user: User, status: int = 200, new_token: str | None = None,
                  token_form: TokenForm | None = None,
                  password_form: PasswordForm | None = None) -> Response:
    html = render_template(
        "account/account.html", user=user, tokens=auth.user_tokens(db_session(), user),
        token_form=token_form or TokenForm(formdata=None),
        password_form=password_form or PasswordForm(formdata=None),
        button=ButtonForm(formdata=None), new_token=new_token,
        password_changed=request.args.get("password") == "changed")
    return _no_store(html, status)


@bp.route("/account")
@require_role("viewer")
def account() -> Any:
    return _account_page(_me())


@bp.route("/account/tokens", methods=["POST"])
@require_role("viewer")
def create_token() -> Any:
    user = _me()
    form = TokenForm()
    try:
        _token, plain = auth.create_token(db_session(), Actor.of(user), user,
                                          form.name.data or "")
    except auth.AccountError as exc:
        _show_error(form, exc)
        return _account_page(user, 400, token_form=form)
    # shown once, in this answer only (never in a URL, a cookie or a log)
    return _account_page(user, new_token=plain)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@require_role("viewer")
def revoke_token(token_id: int) -> Any:
    user = _me()
    token = auth.get_token(db_session(), token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(gettext("account.token_not_found"))
    auth.revoke_token(db_session(), user, token)
    return redirect(url_for("account.account"), 303)


@bp.route("/account/password", methods=["POST"])
@require_role("viewer")
def change_password() -> Any:
    user = _me()
    form = PasswordForm()
    if not auth.verify_password(user.password_hash, form.current.data or ""):
        form.current.errors = [gettext("account.error.current_password")]
        return _account_page(user, 400, password_form=form)
    if _mismatch(form):
        return _account_page(user, 400, password_form=form)
    try:
        auth.set_password(db_session(), Actor.of(user), user, form.password.data or "")
    except auth.AccountError as exc:
        _show_error(form, exc)
        return _account_page(user, 400, password_form=form)
    _start_session(user)  # other sessions end with the old password; this one goes on
    return redirect(url_for("account.account", password="changed"), 303)


# --------------------------------------------------------------------------- users (admins)

def _users_page(form: UserForm | None = None, status: int = 200, error: str | None = None
                ) -> Response:
    add = form or UserForm(formdata=None, role="editor")
    add.role.choices = _role_choices()
    users = auth.list_users(db_session())
    role_forms = {}
    for u in users:
        rf = RoleForm(formdata=None, role=u.role, prefix=f"u{u.id}")
        rf.role.choices = _role_choices()
        role_forms[u.id] = rf
    html = render_template("account/users.html", users=users, form=add,
                           role_forms=role_forms, button=ButtonForm(formdata=None),
                           error=error, me=signed_in_user())
    return _no_store(html, status)


def _user_or_404(username: str) -> User:
    user = auth.get_user(db_session(), username)
    if user is None:
        raise NotFound(gettext("account.user_not_found", name=username))
    return user


@bp.route("/users")
@require_role("admin")
def users() -> Any:
    return _users_page()


@bp.route("/users", methods=["POST"])
@require_role("admin")
def add_user() -> Any:
    admin = _me()
    form = UserForm()
    form.role.choices = _role_choices()
    if _mismatch(form):
        return _users_page(form, 400)
    try:
        auth.create_user(db_session(), Actor.of(admin), form.username.data or "",
                         form.display_name.data or "", form.role.data or "",
                         form.password.data or "")
    except auth.AccountError as exc:
        return _users_page(form, 400, _show_error(form, exc))
    return redirect(url_for("account.users"), 303)


@bp.route("/users/<username>/role", methods=["POST"])
@require_role("admin")
def change_role(username: str) -> Any:
    admin = _me()
    user = _user_or_404(username)
    form = RoleForm(prefix=f"u{user.id}")
    try:
        auth.set_role(db_session(), Actor.of(admin), user, form.role.data or "")
    except auth.AccountError as exc:
        return _users_page(status=400, error=gettext(exc.key, **exc.params))
    return redirect(url_for("account.users"), 303)


@bp.route("/users/<username>/disable", methods=["POST"])
@require_role("admin")
def disable_user(username: str) -> Any:
    return _set_active(username, False)


@bp.route("/users/<username>/enable", methods=["POST"])
@require_role("admin")
def enable_user(username: str) -> Any:
    return _set_active(username, True)


def _set_active(username: str, active: bool) -> Any:
    admin = _me()
    user = _user_or_404(username)
    try:
        auth.set_active(db_session(), Actor.of(admin), user, active)
    except auth.AccountError as exc:
        return _users_page(status=400, error=gettext(exc.key, **exc.params))
    return redirect(url_for("account.users"), 303)
