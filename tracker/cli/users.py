"""`tracker user ...` and `tracker token create`: accounts from the command line.

The first admin is made here (`tracker user add NAME --role admin`); every change is audited
with the actor "cli". Errors exit 1 with a message; nothing is half-written.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from tracker import auth, vocab
from tracker.audit import CLI
from tracker.cli.context import cli_session
from tracker.models import User


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise click.ClickException("no password on standard input")
        return line.rstrip("\r\n")
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def _user(session: Session, name: str) -> User:
    user = auth.get_user(session, name)
    if user is None:
        raise click.ClickException(f"no user named {auth.normalise_username(name)!r}")
    return user


password_stdin = click.option(
    "--password-stdin", is_flag=True,
    help="Read the password from the first line of standard input instead of a prompt.")


@click.group("user")
def user() -> None:
    """Users: add, set a password, list, disable, enable."""


@user.command("add")
@with_appcontext
@click.argument("name")
@click.option("--role", type=click.Choice(vocab.codes(vocab.ROLES)), default="viewer",
              show_default=True, help="viewer reads; editor also writes; admin also manages "
              "users and deletes.")
@click.option("--display-name", default="", help="Name shown in the pages (default: NAME).")
@password_stdin
def user_add(name: str, role: str, display_name: str, password_stdin: bool) -> None:
    """Add the user NAME (asks for the password twice unless --password-stdin)."""
    with cli_session() as session:
        if auth.get_user(session, name) is not None:
            raise click.ClickException(f"a user named {auth.normalise_username(name)!r} "
                                       "already exists")
        password = _read_password(password_stdin)
        created = auth.create_user(session, CLI, name, display_name, role, password)
        click.echo(f"user {created.username!r} added as {created.role}")


@user.command("set-password")
@with_appcontext
@click.argument("name")
@password_stdin
def user_set_password(name: str, password_stdin: bool) -> None:
    """Give NAME a new password (their sessions end)."""
    with cli_session() as session:
        target = _user(session, name)
        auth.set_password(session, CLI, target, _read_password(password_stdin))
        click.echo(f"password of {target.username!r} changed")


@user.command("list")
@with_appcontext
def user_list() -> None:
    """Every user with role, state, last sign-in (UTC) and live token count."""
    with cli_session() as session:
        rows = []
        for u in auth.list_users(session):
            live = sum(1 for t in u.tokens if t.revoked_at is None)
            last = u.last_login_at.strftime("%Y-%m-%dT%H:%MZ") if u.last_login_at else "-"
            rows.append((u.username, u.display_name, u.role,
                         "active" if u.active else "disabled", last, str(live)))
    header = ("username", "display_name", "role", "state", "last_login", "tokens")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        click.echo("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    click.echo(f"({len(rows)} users)")


def _set_active(name: str, active: bool) -> None:
    with cli_session() as session:
        target = _user(session, name)
        auth.set_active(session, CLI, target, active)
        click.echo(f"user {target.username!r} {'enabled' if active else 'disabled'}")


@user.command("disable")
@with_appcontext
@click.argument("name")
def user_disable(name: str) -> None:
    """Disable NAME: no sign-in, no token; their history stays."""
    _set_active(name, False)


@user.command("enable")
@with_appcontext
@click.argument("name")
def user_enable(name: str) -> None:
    """Enable NAME again."""
    _set_active(name, True)


@click.group("token")
def token() -> None:
    """API tokens."""


@token.command("create")
@with_appcontext
@click.argument("name")
@click.option("--name", "label", default="cli", show_default=True,
              help="What the token is for (shown on the user's page).")
def token_create(name: str, label: str) -> None:
    """Create an API token for the user NAME and print it once (only its hash is kept)."""
    with cli_session() as session:
        owner = _user(session, name)
        row, plain = auth.create_token(session, CLI, owner, label)
    click.echo(plain)
    click.echo(f"token {row.name!r} for {owner.username!r}: shown once, store it now; "
               "send it as 'Authorization: Bearer <token>'", err=True)


def register(app: Flask) -> None:
    for group in (user, token):
        app.cli.add_command(group)
