"""tracker.auth without Flask: hashing, users, roles, tokens, the sign-in throttle and the audit
rows they write, on SQLite and PostGIS; the Redis throttle on a redis-server of the test's own;
migration 0004 from an existing 0003 database."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from tests.conftest import postgis_url
from tracker import auth, vocab
from tracker.audit import CLI, Actor
from tracker.db import make_engine, migrate
from tracker.errors import Forbidden, TooManyAttempts, Unauthorized
from tracker.models import ApiToken, AuditEntry, SignInThrottle, User, utcnow
from tracker.state import HEAD_REVISION
from tracker.throttle import DatabaseThrottle, RedisThrottle, make_throttle

PASSWORD = "correct horse battery"
WINDOW = timedelta(minutes=15)


def add_user(session, name="lan", role="editor", password=PASSWORD) -> User:
    return auth.create_user(session, CLI, name, name.title(), role, password)


def audit_rows(session, kind=None) -> list[AuditEntry]:
    q = select(AuditEntry).order_by(AuditEntry.id)
    if kind:
        q = q.where(AuditEntry.kind == kind)
    return list(session.scalars(q))


def counts(session) -> tuple[int, int, int]:
    return tuple(session.scalar(select(func.count()).select_from(m))
                 for m in (User, ApiToken, AuditEntry))


# --------------------------------------------------------------------------- passwords

def test_passwords_are_hashed_with_argon2id_and_verify():
    stored = auth.hash_password(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$") and PASSWORD not in stored
    assert auth.verify_password(stored, PASSWORD)
    assert not auth.verify_password(stored, PASSWORD + "!")
    assert not auth.verify_password("not a hash", PASSWORD)
    assert not auth.needs_rehash(stored)
    assert auth.hash_password(PASSWORD) != stored  # salted


def test_sign_in_rehashes_a_password_hashed_with_weaker_parameters(session):
    user = add_user(session)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    assert weak.startswith("$argon2id$v=19$m=8192,t=1,p=1$")
    user.password_hash = weak
    session.commit()
    assert auth.needs_rehash(weak)
    signed = auth.sign_in(session, DatabaseThrottle(5, WINDOW), "lan", PASSWORD, "1.2.3.4")
    session.expire_all()
    stored = session.get(User, signed.id).password_hash
    assert stored != weak and not auth.needs_rehash(stored)
    assert auth.verify_password(stored, PASSWORD)
    assert session.get(User, signed.id).last_login_at is not None


# --------------------------------------------------------------------------- users

def test_create_user_stores_a_lowercase_name_and_audits_it(session):
    user = auth.create_user(session, Actor("admin-cli"), "  Lan.Nguyen ", "Nguyễn Thị  Lan",
                            "editor", PASSWORD)
    assert (user.username, user.display_name, user.role, user.active) == \
        ("lan.nguyen", "Nguyễn Thị Lan", "editor", True)
    assert auth.get_user(session, "LAN.NGUYEN").id == user.id
    [entry] = audit_rows(session, "user")
    assert entry.actor == "admin-cli" and entry.user_id is None and entry.project_id is None
    assert {c["field"]: (c["old"], c["new"]) for c in entry.change_list} == {
        "username": (None, "lan.nguyen"), "display_name": (None, "Nguyễn Thị Lan"),
        "role": (None, "editor"), "active": (None, True)}
    assert PASSWORD not in entry.changes and user.password_hash not in entry.changes


@pytest.mark.parametrize(("username", "role", "password", "key"), [
    ("", "editor", PASSWORD, "account.error.username_required"),
    ("a", "editor", PASSWORD, "account.error.username_format"),
    ("lan nguyen", "editor", PASSWORD, "account.error.username_format"),
    ("-lan", "editor", PASSWORD, "account.error.username_format"),
    ("lân", "editor", PASSWORD, "account.error.username_format"),
    ("lan", "owner", PASSWORD, "account.error.role"),
    ("lan", "editor", "short", "account.error.password_short"),
    ("lan", "editor", "x" * 1025, "account.error.password_long"),
    ("taken", "editor", PASSWORD, "account.error.username_taken"),
])
def test_bad_user_input_is_refused_and_writes_nothing(session, username, role, password, key):
    add_user(session, "taken")
    before = counts(session)
    with pytest.raises(auth.AccountError) as err:
        auth.create_user(session, CLI, username, "", role, password)
    assert err.value.key == key and err.value.http_status == 400
    assert counts(session) == before


def test_the_database_refuses_what_the_model_would(session):
    """The CHECK constraints of 0004 keep other writers honest too."""
    for role in vocab.codes(vocab.ROLES):
        session.execute(text(
            "INSERT INTO users (username, display_name, role, password_hash, created_at) "
            "VALUES (:u, 'x', :r, 'h', '2026-01-01')"), {"u": f"u-{role}", "r": role})
    for kind in vocab.codes(vocab.AUDIT_KINDS):
        session.execute(text("INSERT INTO audit_entries (at, actor, kind, summary) VALUES "
                             "('2026-01-01', 'cli', :k, 's')"), {"k": kind})
    session.commit()
    for sql in ("INSERT INTO users (username, display_name, role, password_hash, created_at) "
                "VALUES ('x1', 'x', 'owner', 'h', '2026-01-01')",
                "INSERT INTO users (username, display_name, role, password_hash, created_at) "
                "VALUES ('Big Name', 'x', 'viewer', 'h', '2026-01-01')",
                "INSERT INTO audit_entries (at, actor, kind, summary) "
                "VALUES ('2026-01-01', 'cli', 'coffee', 's')"):
        with pytest.raises(IntegrityError):
            session.execute(text(sql))
        session.rollback()


def test_role_disable_and_password_changes_are_audited(session):
    admin = add_user(session, "admin", "admin")
    user = add_user(session, "lan", "viewer")
    stamp = user.session_stamp()
    auth.set_role(session, Actor.of(admin), user, "editor")
    auth.set_role(session, Actor.of(admin), user, "editor")  # no change, no entry
    auth.set_active(session, Actor.of(admin), user, False)
    auth.set_password(session, Actor.of(admin), user, "another long one")
    entries = audit_rows(session, "user")[2:]
    assert [(e.actor, e.user_id, e.change_list) for e in entries] == [
        ("admin", admin.id, [{"field": "role", "old": "viewer", "new": "editor"}]),
        ("admin", admin.id, [{"field": "active", "old": True, "new": False}]),
        ("admin", admin.id, [{"field": "password", "old": None, "new": None}]),
    ]
    session.expire_all()
    user = session.get(User, user.id)
    assert (user.role, user.active) == ("editor", False)
    assert user.session_stamp() != stamp  # sessions signed with the old password end


def test_the_last_active_admin_cannot_be_demoted_or_disabled(session):
    admin = add_user(session, "admin", "admin")
    for change in (lambda: auth.set_role(session, CLI, admin, "editor"),
                   lambda: auth.set_active(session, CLI, admin, False)):
        with pytest.raises(auth.AccountError) as err:
            change()
        assert err.value.key == "account.error.last_admin"
    second = add_user(session, "second", "admin")
    auth.set_active(session, CLI, admin, False)
    with pytest.raises(auth.AccountError):
        auth.set_role(session, CLI, second, "viewer")
    session.expire_all()
    assert session.get(User, second.id).role == "admin"


# --------------------------------------------------------------------------- roles

ROLE_MATRIX = {
    # action:          anonymous, viewer, editor, admin
    "read":           (False, True, True, True),
    "create":         (False, False, True, True),
    "edit":           (False, False, True, True),
    "record_update":  (False, False, True, True),
    "edit_geometry":  (False, False, True, True),
    "import":         (False, False, True, True),
    "read_audit":     (False, False, True, True),
    "delete":         (False, False, False, True),
    "manage_users":   (False, False, False, True),
}


@pytest.mark.parametrize("action", sorted(ROLE_MATRIX))
def test_role_matrix(action):
    users = [None] + [User(username=r, role=r, active=True) for r in ("viewer", "editor", "admin")]
    assert tuple(auth.can(u, action) for u in users) == ROLE_MATRIX[action]
    disabled = User(username="x", role="admin", active=False)
    assert not auth.can(disabled, action)


def test_every_action_is_in_the_matrix_and_unknown_ones_fail_loudly():
    assert set(auth.ACTIONS) == set(ROLE_MATRIX)
    with pytest.raises(ValueError, match="unknown action"):
        auth.can(User(role="admin", active=True), "launch")
    with pytest.raises(ValueError, match="unknown role"):
        auth.has_role(None, "owner")


def test_require_names_the_missing_role():
    with pytest.raises(Unauthorized):
        auth.require(None, "read")
    with pytest.raises(Forbidden, match="viewer"):
        auth.require(User(username="v", role="viewer", active=True), "delete")
    auth.require(User(username="a", role="admin", active=True), "delete")


# --------------------------------------------------------------------------- tokens

def test_a_token_is_shown_once_stored_hashed_and_usable(session):
    user = add_user(session)
    token, plain = auth.create_token(session, Actor.of(user), user, "QGIS phòng kế hoạch")
    assert plain.startswith(auth.TOKEN_PREFIX) and len(plain) >= 40
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert token.prefix == plain[:auth.TOKEN_DISPLAY]
    stored = session.execute(text("SELECT * FROM api_tokens")).one()
    assert all(plain not in str(v) for v in stored)
    assert token.last_used_at is None
    assert auth.verify_token(session, plain).id == user.id
    session.expire_all()
    assert session.get(ApiToken, token.id).last_used_at is not None
    for wrong in (plain[:-1], plain + "x", "cht_" + "A" * 43, "", "Bearer " + plain, "x" * 500):
        assert auth.verify_token(session, wrong) is None
    [entry] = audit_rows(session, "token")
    assert entry.user_id == user.id and token.prefix in entry.summary
    assert plain not in entry.summary + entry.changes


def test_last_used_is_written_at_most_once_a_minute(session):
    user = add_user(session)
    token, plain = auth.create_token(session, CLI, user, "script")
    t0 = utcnow()
    auth.verify_token(session, plain, now=t0)
    auth.verify_token(session, plain, now=t0 + timedelta(seconds=30))
    session.expire_all()
    assert session.get(ApiToken, token.id).last_used_at == t0
    auth.verify_token(session, plain, now=t0 + timedelta(seconds=61))
    session.expire_all()
    assert session.get(ApiToken, token.id).last_used_at == t0 + timedelta(seconds=61)


def test_revoked_tokens_and_disabled_users_are_refused(session):
    admin = add_user(session, "admin", "admin")
    user = add_user(session)
    other = add_user(session, "minh", "viewer")
    token, plain = auth.create_token(session, CLI, user, "a")
    kept, kept_plain = auth.create_token(session, CLI, user, "b")
    with pytest.raises(Forbidden):
        auth.revoke_token(session, other, token)
    auth.revoke_token(session, user, token)
    auth.revoke_token(session, user, token)  # twice: no change, no second entry
    assert auth.verify_token(session, plain) is None
    assert auth.verify_token(session, kept_plain).id == user.id
    auth.set_active(session, Actor.of(admin), user, False)
    assert auth.verify_token(session, kept_plain) is None
    revocations = [e for e in audit_rows(session, "token") if "revoked" in e.summary]
    assert len(revocations) == 1 and revocations[0].user_id == user.id
    with pytest.raises(auth.AccountError):
        auth.create_token(session, CLI, user, "c")  # a disabled user gets no new token


def test_token_names_are_validated_and_bounded_per_user(session):
    user = add_user(session)
    with pytest.raises(auth.AccountError) as err:
        auth.create_token(session, CLI, user, "   ")
    assert err.value.key == "account.error.token_name_required"
    for i in range(auth.TOKENS_PER_USER_MAX):
        auth.create_token(session, CLI, user, f"t{i}")
    with pytest.raises(auth.AccountError) as err:
        auth.create_token(session, CLI, user, "one more")
    assert err.value.key == "account.error.too_many_tokens"


# --------------------------------------------------------------------------- throttle

def fail(session, throttle, name, address, now, times=1):
    for _ in range(times):
        with pytest.raises(Unauthorized):
            auth.sign_in(session, throttle, name, "wrong password", address, now=now)


def test_failures_per_account_lock_it_until_the_window_passes(session):
    add_user(session)
    throttle = DatabaseThrottle(5, WINDOW)
    t0 = utcnow()
    for i in range(5):  # five different addresses: the account limit still holds
        fail(session, throttle, "LAN", f"10.0.0.{i}", t0 + timedelta(minutes=i))
    with pytest.raises(TooManyAttempts) as err:
        auth.sign_in(session, throttle, "lan", PASSWORD, "10.9.9.9",
                     now=t0 + timedelta(minutes=5))
    assert err.value.retry_after == 10 * 60  # the window began at the first failure
    assert err.value.http_status == 429
    # refused attempts are not counted and not audited
    assert len(audit_rows(session, "sign_in_failed")) == 5
    later = t0 + WINDOW + timedelta(seconds=1)
    assert auth.sign_in(session, throttle, "lan", PASSWORD, "10.9.9.9", now=later).username \
        == "lan"


def test_failures_per_address_lock_that_address_only(session):
    add_user(session)
    throttle = DatabaseThrottle(3, WINDOW)
    t0 = utcnow()
    for name in ("an", "binh", "chi"):  # unknown accounts count too
        fail(session, throttle, name, "203.0.113.7", t0)
    with pytest.raises(TooManyAttempts):
        auth.sign_in(session, throttle, "lan", PASSWORD, "203.0.113.7", now=t0)
    assert auth.sign_in(session, throttle, "lan", PASSWORD, "198.51.100.1", now=t0)


def test_a_successful_sign_in_clears_the_account_count(session):
    add_user(session)
    throttle = DatabaseThrottle(3, WINDOW)
    t0 = utcnow()
    fail(session, throttle, "lan", "10.0.0.1", t0, times=2)
    auth.sign_in(session, throttle, "lan", PASSWORD, "10.0.0.2", now=t0)
    fail(session, throttle, "lan", "10.0.0.3", t0, times=2)
    assert auth.sign_in(session, throttle, "lan", PASSWORD, "10.0.0.4", now=t0)
    keys = {r.key: r.failures for r in session.scalars(select(SignInThrottle))}
    assert keys == {"address:10.0.0.1": 2, "address:10.0.0.3": 2}


def test_failed_sign_ins_are_audited_with_the_account_when_it_exists(session):
    user = add_user(session)
    add_user(session, "off", "viewer")
    auth.set_active(session, CLI, auth.get_user(session, "off"), False)
    throttle = DatabaseThrottle(5, WINDOW)
    fail(session, throttle, "lan", "10.0.0.1", utcnow())
    fail(session, throttle, "nobody<script>", "10.0.0.1", utcnow())
    with pytest.raises(Unauthorized):  # right password, disabled account
        auth.sign_in(session, throttle, "off", PASSWORD, "10.0.0.1")
    entries = audit_rows(session, "sign_in_failed")
    assert [(e.user_id, e.actor) for e in entries] == [
        (user.id, "lan"), (None, "nobody<script>"),
        (auth.get_user(session, "off").id, "off")]
    assert all("10.0.0.1" in e.summary for e in entries)


def test_the_database_throttle_counts_every_failure_of_concurrent_workers(db_url):
    """Two engines (two worker processes' worth of connections) on one database."""
    engines = [make_engine(db_url) for _ in range(2)]
    throttle = DatabaseThrottle(4, WINDOW)
    now = utcnow()
    try:
        from sqlalchemy.orm import Session

        sessions = [Session(e) for e in engines]
        for i in range(4):
            s = sessions[i % 2]
            throttle.record_failure(s, ["account:lan"], now)
            s.commit()
        for s in sessions:
            assert throttle.retry_after(s, ["account:lan"], now) == 15 * 60
            s.close()
    finally:
        for e in engines:
            e.dispose()


# --------------------------------------------------------------------------- Redis

@pytest.fixture
def redis_url(tmp_path: Path):
    """A redis-server of this test's own, on a Unix socket (no port, nothing on disk)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    sock = tmp_path / "redis.sock"
    proc = subprocess.Popen([server, "--port", "0", "--unixsocket", str(sock), "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if sock.exists():
                probe = socket.socket(socket.AF_UNIX)
                try:
                    probe.connect(str(sock))
                    break
                except OSError:
                    pass
                finally:
                    probe.close()
            time.sleep(0.05)
        else:
            pytest.fail("redis-server did not start")
        yield f"unix://{sock}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_redis_throttle_is_shared_and_expires(session, redis_url):
    from tracker.config import load_settings

    settings = load_settings({"redis_url": redis_url, "sign_in_max_failures": 3}, environ={})
    first, second = make_throttle(settings), make_throttle(settings)
    assert isinstance(first, RedisThrottle)
    add_user(session)
    fail(session, first, "lan", "10.0.0.1", utcnow(), times=2)
    fail(session, second, "lan", "10.0.0.2", utcnow())
    with pytest.raises(TooManyAttempts) as err:
        auth.sign_in(session, second, "lan", PASSWORD, "10.0.0.3")
    assert 14 * 60 < err.value.retry_after <= 15 * 60
    assert session.scalar(select(func.count()).select_from(SignInThrottle)) == 0
    first.client.pexpire(first.prefix + "account:lan", 1)  # the window passes
    time.sleep(0.05)
    assert auth.sign_in(session, first, "lan", PASSWORD, "10.0.0.3").username == "lan"
    assert first.client.get(first.prefix + "account:lan") is None  # cleared on success
    assert int(first.client.get(first.prefix + "address:10.0.0.1")) == 2
    for t in (first, second):
        t.client.close()


# --------------------------------------------------------------------------- migration

@pytest.fixture(params=["sqlite", "postgis"])
def empty_database(request, tmp_path: Path):
    """A database at no revision at all, to migrate step by step."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    base = postgis_url()
    if not base:
        pytest.skip("TRACKER_TEST_POSTGIS_URL is not set")
    name = f"tracker_m_{os.getpid()}_{int(time.time() * 1000)}"
    server = make_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(make_engine(base).url).set(database=name).render_as_string(
            hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def test_migration_0004_upgrades_an_existing_0003_database(empty_database):
    engine = make_engine(empty_database)
    try:
        migrate(engine, "0003")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO projects (code, name_vi, kind, field, status, search_text, "
                "owner_search, created_at, updated_at) VALUES ('old-road', 'Đường cũ', 'road', "
                "'transport', 'proposed', '', '', '2026-01-01', '2026-01-01')"))
        migrate(engine)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
                == HEAD_REVISION
            pid = conn.execute(text("SELECT id FROM projects")).scalar()
            conn.execute(text(
                "INSERT INTO users (username, display_name, role, password_hash, created_at) "
                "VALUES ('lan', 'Lan', 'editor', 'h', '2026-01-01')"))
            conn.execute(text(
                "INSERT INTO audit_entries (at, user_id, actor, kind, project_id, summary) "
                "VALUES ('2026-01-01', 1, 'lan', 'edit', :p, 'x')"), {"p": pid})
            row = conn.execute(text("SELECT active, changes FROM users, audit_entries")).one()
        assert bool(row[0]) is True and json.loads(row[1]) == []
    finally:
        engine.dispose()
