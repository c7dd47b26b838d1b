"""Engine and sessions, and the one geometry column type that works on SQLite and PostGIS.

SQLite keeps geometry as WKB in a BLOB (plus bounding-box columns on the table, filtered in
SQL); PostGIS keeps a native geometry(Geometry, 4326) with a GiST index. Python always sees a
Shapely geometry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shapely
from sqlalchemy import LargeBinary, create_engine, event, func, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator, UserDefinedType

from tracker.config import REPO_ROOT

MIGRATIONS_DIR = REPO_ROOT / "migrations"
MIGRATION_LOCK = 7_351_931  # pg_advisory_xact_lock key: "tracker migrates"


class _PostGISGeometry(UserDefinedType):
    """PostGIS side: WKB goes in through ST_GeomFromWKB, comes out through ST_AsBinary."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "geometry(Geometry,4326)"

    def bind_expression(self, bindvalue: Any) -> Any:
        return func.ST_GeomFromWKB(bindvalue, 4326)

    def column_expression(self, col: Any) -> Any:
        return func.ST_AsBinary(col, type_=GeometryType())


class GeometryType(TypeDecorator):
    """A Shapely geometry in EPSG:4326 (WKB on SQLite, native geometry on PostGIS)."""

    impl = LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect is not None and dialect.name == "postgresql":
            return _PostGISGeometry()
        return LargeBinary() if dialect is None else dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: Any, dialect: Any) -> bytes | None:
        if value is None:
            return None
        return shapely.to_wkb(value, output_dimension=2)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        return shapely.from_wkb(bytes(value))


def is_postgres(engine_or_session: Engine | Session) -> bool:
    bind = engine_or_session.get_bind() if isinstance(engine_or_session, Session) \
        else engine_or_session
    return bind.dialect.name == "postgresql"


def intersects_box(wkb: bytes | None, x0: float, y0: float, x1: float, y1: float) -> int:
    """SQLite's twin of PostGIS's ST_Intersects(geometry, ST_MakeEnvelope(...)): 1 when the
    geometry itself meets the box (the bounding-box columns only pre-select candidates)."""
    if wkb is None:
        return 0
    return int(shapely.intersects(shapely.from_wkb(bytes(wkb)), shapely.box(x0, y0, x1, y1)))


def make_engine(url: str) -> Engine:
    """SQLite files get WAL and enforced foreign keys; the folder is created if missing."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA busy_timeout = 5000")
            cur.close()
            dbapi_conn.create_function("tracker_intersects_box", 5, intersects_box,
                                       deterministic=True)

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


def make_session_factory(engine: Engine, region: tuple[float, float, float, float]
                         ) -> sessionmaker[Session]:
    """Sessions carry the region envelope so model validation can check geometries."""
    return sessionmaker(bind=engine, expire_on_commit=False, info={"region": region})


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` with Alembic (the only way tables are created)."""
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # one migrating process at a time
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def is_empty(engine: Engine) -> bool:
    """True for a database with no table at all (nothing to lose by creating the schema)."""
    return not inspect(engine).get_table_names()


def create_schema(engine: Engine) -> None:
    """The schema of an empty database. Another process doing the same at the same moment
    makes this one fail on a table that now exists: that is fine, the caller reads the
    revision again (PostgreSQL serialises the two with the migration lock instead)."""
    try:
        migrate(engine)
    except DBAPIError:
        if is_empty(engine):
            raise
