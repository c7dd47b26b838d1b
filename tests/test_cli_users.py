"""`tracker user ...` and `tracker token create`: what they print, store and refuse (exit 1 with
a message, nothing written), on SQLite and PostGIS."""

from __future__ import annotations

from sqlalchemy import func, select

from tracker import auth
from tracker.models import ApiToken, AuditEntry, User

PASSWORD = "correct horse battery"


def users(app) -> dict[str, User]:
    with app.extensions["tracker"].sessions() as s:
        return {u.username: u for u in auth.list_users(s)}


def add(runner, name="lan", *options, password=PASSWORD):
    return runner.invoke(args=["user", "add", name, *options, "--password-stdin"],
                         input=password + "\n")


def test_user_add_from_stdin_and_from_a_confirmed_prompt(app, runner):
    result = add(runner, "Lan", "--role", "editor", "--display-name", "Nguyễn Thị Lan")
    assert result.exit_code == 0, result.output
    assert "user 'lan' added as editor" in result.output
    prompted = runner.invoke(args=["user", "add", "minh"],
                             input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output
    assert PASSWORD not in prompted.output  # the prompt hides what is typed
    found = users(app)
    assert (found["lan"].role, found["lan"].display_name) == ("editor", "Nguyễn Thị Lan")
    assert (found["minh"].role, found["minh"].display_name) == ("viewer", "minh")
    assert auth.verify_password(found["minh"].password_hash, PASSWORD)
    with app.extensions["tracker"].sessions() as s:
        actors = s.scalars(select(AuditEntry.actor).where(AuditEntry.kind == "user")).all()
    assert actors == ["cli", "cli"]


def test_user_add_refuses_bad_input_and_writes_nothing(app, runner):
    assert add(runner).exit_code == 0
    cases = [
        (["user", "add", "lan", "--password-stdin"], PASSWORD + "\n", "already exists"),
        (["user", "add", "bad name", "--password-stdin"], PASSWORD + "\n", "username"),
        (["user", "add", "nam", "--password-stdin"], "short\n", "at least 10"),
        (["user", "add", "nam", "--password-stdin"], "", "no password on standard input"),
        (["user", "add", "nam"], f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n"
         "x\n", None),
    ]
    for args, stdin, message in cases[:4]:
        result = runner.invoke(args=args, input=stdin)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output and "Error" in result.output
    # a prompt whose confirmation differs asks again
    again = runner.invoke(args=cases[4][0], input=cases[4][1])
    assert again.exit_code == 0 and "do not match" in again.output
    bad_role = runner.invoke(args=["user", "add", "x1", "--role", "owner"])
    assert bad_role.exit_code == 2  # bad usage
    assert sorted(users(app)) == ["lan", "nam"]


def test_set_password_list_disable_and_enable(app, runner):
    add(runner, "admin", "--role", "admin")
    add(runner)
    changed = runner.invoke(args=["user", "set-password", "LAN", "--password-stdin"],
                            input="a brand new password\n")
    assert changed.exit_code == 0 and "password of 'lan' changed" in changed.output
    assert auth.verify_password(users(app)["lan"].password_hash, "a brand new password")
    short = runner.invoke(args=["user", "set-password", "lan", "--password-stdin"],
                          input="short\n")
    assert short.exit_code == 1
    assert auth.verify_password(users(app)["lan"].password_hash, "a brand new password")
    assert runner.invoke(args=["user", "set-password", "ghost", "--password-stdin"],
                         input=PASSWORD + "\n").exit_code == 1
    disabled = runner.invoke(args=["user", "disable", "lan"])
    assert disabled.exit_code == 0 and "user 'lan' disabled" in disabled.output
    assert users(app)["lan"].active is False
    last = runner.invoke(args=["user", "disable", "admin"])
    assert last.exit_code == 1 and "last active admin" in last.output
    assert runner.invoke(args=["user", "disable", "ghost"]).exit_code == 1
    listing = runner.invoke(args=["user", "list"])
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert lines[0].split() == ["username", "display_name", "role", "state", "last_login",
                                "tokens"]
    assert lines[1].split() == ["admin", "admin", "admin", "active", "-", "0"]
    assert lines[2].split() == ["lan", "lan", "viewer", "disabled", "-", "0"]
    assert lines[-1] == "(2 users)"
    assert runner.invoke(args=["user", "enable", "lan"]).exit_code == 0
    assert users(app)["lan"].active is True


def test_token_create_prints_a_working_token_once(app, runner):
    add(runner)
    result = runner.invoke(args=["token", "create", "lan", "--name", "QGIS"])
    assert result.exit_code == 0, result.output
    plain = result.stdout.strip()
    assert plain.startswith(auth.TOKEN_PREFIX) and "\n" not in plain
    assert "shown once" in result.stderr
    with app.extensions["tracker"].sessions() as s:
        assert auth.verify_token(s, plain).username == "lan"
        token = s.scalar(select(ApiToken))
        assert token.name == "QGIS" and plain not in token.token_hash
    client = app.test_client()
    assert client.get("/api/v1/summary",
                      headers={"Authorization": f"Bearer {plain}"}).status_code == 200
    assert runner.invoke(args=["token", "create", "ghost"]).exit_code == 1
    runner.invoke(args=["user", "disable", "lan"])
    refused = runner.invoke(args=["token", "create", "lan"])
    assert refused.exit_code == 1 and "disabled" in refused.output
    with app.extensions["tracker"].sessions() as s:
        assert s.scalar(select(func.count()).select_from(ApiToken)) == 1
