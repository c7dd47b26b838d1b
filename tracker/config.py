"""Settings: read once from TRACKER_* environment variables, overridable by create_app(config).

Each setting carries its help text so the README can be checked against it (a test does).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = REPO_ROOT / "instance"
DEFAULT_SECRET_KEY = "dev-only-change-me"
DEFAULT_DATA_LICENCE = "CC BY 4.0"


def _bbox(text: str) -> tuple[float, float, float, float]:
    parts = [float(p) for p in text.split(",")]
    if len(parts) != 4 or parts[0] >= parts[2] or parts[1] >= parts[3]:
        raise ValueError(f"a region envelope is minLon,minLat,maxLon,maxLat, got {text!r}")
    return (parts[0], parts[1], parts[2], parts[3])


def _names(text: str) -> tuple[str, ...]:
    """A comma-separated list: items stripped, empty items dropped."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _origins(text: str) -> tuple[str, ...]:
    items = tuple(o.lower().rstrip("/") for o in _names(text))
    for origin in items:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ValueError(f"an origin is scheme://host[:port] or *, got {origin!r}")
    return items or ("*",)


def _proxies(text: str) -> int:
    value = int(text.strip()) if text.strip().isascii() and text.strip().isdigit() else -1
    if not 0 <= value <= 10:
        raise ValueError(f"the number of proxies in front of the app is 0-10, got {text!r}")
    return value

def _on_off(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected 1 or 0, got {text!r}")


def _auto_on_off(text: str) -> str:
    value = text.strip().lower()
    if value == "auto":
        return "auto"
    return "1" if _on_off(value) else "0"


def _bounded_int(low: int, high: int) -> Any:
    def parse(text: str) -> int:
        value = int(text.strip())
        if not low <= value <= high:
            raise ValueError(f"expected a whole number from {low} to {high}, got {value}")
        return value
    return parse

def _positive_int(text: str) -> int:
    value = text.strip().replace("_", "")
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= 10**9:
        raise ValueError(f"a whole number from 1 to 1000000000 is needed, got {text!r}")
    return int(value)


@dataclass(frozen=True)
class Settings:
    """The tracker's settings. `env` names the variable; `help` is what the README says."""

    database_url: str = field(
        default="",
        metadata={
            "env": "TRACKER_DATABASE_URL",
            "help": "SQLAlchemy URL. Default: a SQLite file instance/tracker.db; "
            "a postgresql:// URL uses PostGIS.",
        },
    )
    instance_path: str = field(
        default=str(DEFAULT_INSTANCE),
        metadata={"env": "TRACKER_INSTANCE_PATH", "help": "Folder for the SQLite file."},
    )
    region_bbox: tuple[float, float, float, float] = field(
        default=(104.4, 8.5, 106.9, 11.1),
        metadata={
            "env": "TRACKER_REGION_BBOX",
            "parse": _bbox,
            "help": "Envelope every geometry must lie in: minLon,minLat,maxLon,maxLat.",
        },
    )
    tiles_url: str = field(
        default="",
        metadata={
            "env": "TRACKER_TILES_URL",
            "help": "Tile URL template of an internal basemap server "
            "(e.g. http://tiles.local/{z}/{x}/{y}.png); empty: not offered.",
        },
    )
    osm_tiles: bool = field(
        default=True,
        metadata={
            "env": "TRACKER_OSM_TILES",
            "parse": lambda s: s.strip().lower() not in ("0", "false", "no", "off"),
            "help": "Offer the OpenStreetMap basemap (needs internet). 0 to hide it.",
        },
    )
    secret_key: str = field(
        default=DEFAULT_SECRET_KEY,
        metadata={"env": "TRACKER_SECRET_KEY",
                  "help": "Flask secret key (cookies). Set it in production: the default "
                  "logs a warning when the app starts serving, outside development "
                  "and tests."},
    )
    trusted_hosts: tuple[str, ...] = field(
        default=(),
        metadata={
            "env": "TRACKER_TRUSTED_HOSTS",
            "parse": _names,
            "help": "Comma list of the host names the app answers to (a leading dot "
            "matches every subdomain); a request for another Host gets 400, so absolute "
            "links only ever name these. Empty: any host (development only).",
        },
    )
    proxy_fix: int = field(
        default=0,
        metadata={
            "env": "TRACKER_PROXY_FIX",
            "parse": _proxies,
            "help": "Number of reverse proxies in front of the app; their X-Forwarded-For, "
            "-Proto, -Host, -Port and -Prefix headers are believed (werkzeug ProxyFix). "
            "0: none are, the connection is the client.",
        },
    )
    cors_origins: tuple[str, ...] = field(
        default=("*",),
        metadata={
            "env": "TRACKER_CORS_ORIGINS",
            "parse": _origins,
            "help": "Comma list of origins (scheme://host[:port]) whose scripts may read "
            "the API and the OGC API; * (every origin) only while the data is public. "
            "Credentials are never allowed.",
        },
    )
    seed_file: str = field(
        default=str(REPO_ROOT / "geodata" / "projects.geojson"),
        metadata={"env": "TRACKER_SEED_FILE", "help": "Projects file `tracker seed` loads."},
    )
    boundaries_file: str = field(
        default=str(REPO_ROOT / "geodata" / "boundaries.geojson"),
        metadata={
            "env": "TRACKER_BOUNDARIES_FILE",
            "help": "Province outlines `tracker seed` loads.",
        },
    )
    today: str = field(
        default="",
        metadata={
            "env": "TRACKER_TODAY",
            "help": "ISO date used as 'today' for late flags and the age of statuses "
            "(empty: the real date).",
        },
    )
    stale_days: int = field(
        default=180,
        metadata={
            "env": "TRACKER_STALE_DAYS",
            "parse": _bounded_int(1, 3650),
            "help": "A status older than this many days (from the date it is true as of) "
            "is shown as needing an update (cần cập nhật), unless the project is completed "
            "or cancelled.",
        },
    )

    public_read: bool = field(
        default=True,
        metadata={
            "env": "TRACKER_PUBLIC_READ",
            "parse": _on_off,
            "help": "Anyone may read pages, the API and exports. 0: reading needs a signed-in "
            "user or an API token (writes always need an editor).",
        },
    )
    secure_cookies: str = field(
        default="auto",
        metadata={
            "env": "TRACKER_SECURE_COOKIES",
            "parse": _auto_on_off,
            "help": "Mark the session cookie Secure: auto (when the request came over HTTPS; "
            "behind a proxy that ends TLS, see TRACKER_PROXY_HOPS), 1 (always) or 0.",
        },
    )
    session_hours: int = field(
        default=12,
        metadata={
            "env": "TRACKER_SESSION_HOURS",
            "parse": _bounded_int(1, 24 * 90),
            "help": "How long a sign-in lasts, in hours.",
        },
    )
    sign_in_max_failures: int = field(
        default=5,
        metadata={
            "env": "TRACKER_SIGN_IN_MAX_FAILURES",
            "parse": _bounded_int(1, 1000),
            "help": "Failed sign-ins allowed per account and per address within the window; "
            "further attempts are refused (429) until the window ends.",
        },
    )
    sign_in_window_minutes: int = field(
        default=15,
        metadata={
            "env": "TRACKER_SIGN_IN_WINDOW_MINUTES",
            "parse": _bounded_int(1, 24 * 60),
            "help": "Length of the failed sign-in window, in minutes.",
        },
    )
    proxy_hops: int = field(
        default=0,
        metadata={
            "env": "TRACKER_PROXY_HOPS",
            "parse": _bounded_int(0, 5),
            "help": "Number of reverse proxies in front of the app whose X-Forwarded-For and "
            "X-Forwarded-Proto to trust (for the per-address sign-in limit and Secure "
            "cookies); 0: none.",
        },
    )
    redis_url: str = field(
        default="",
        metadata={
            "env": "TRACKER_REDIS_URL",
            "help": "Redis URL (redis://host:6379/0) for the failed sign-in counters; "
            "empty: they are kept in the database.",
        },
    )

    max_upload_mb: int = field(
        default=50,
        metadata={
            "env": "TRACKER_MAX_UPLOAD_MB",
            "parse": _positive_int,
            "help": "Largest file, in MB, the tracker reads (seed and import files, uploads); "
            "checked before the file is parsed.",
        },
    )
    max_vertices: int = field(
        default=50_000,
        metadata={
            "env": "TRACKER_MAX_VERTICES",
            "parse": _positive_int,
            "help": "Most coordinates one project geometry may have, whoever writes it.",
        },
    )
    data_licence: str = field(
        default=DEFAULT_DATA_LICENCE,
        metadata={
            "env": "TRACKER_DATA_LICENCE",
            "help": "Licence every export file and the API's features are published under "
            "(written into each file's metadata).",
        },
    )
    data_contact: str = field(
        default="",
        metadata={
            "env": "TRACKER_DATA_CONTACT",
            "help": "Who to ask about the data (e.g. an office's name and e-mail), written "
            "into each export file's metadata; empty: not stated.",
        },
    )

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return "sqlite:///" + str(Path(self.instance_path) / "tracker.db")


def setting_docs() -> list[tuple[str, str, str]]:
    """(variable, default, help) for every setting, for docs and the README test."""
    out = []
    for f in fields(Settings):
        default = f.default
        if isinstance(default, tuple):
            default = ",".join(str(x) for x in default)
        out.append((f.metadata["env"], str(default), f.metadata["help"]))
    return out


def load_settings(overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None
                  ) -> Settings:
    """Environment first, then explicit overrides (by field name) win."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = env.get(f.metadata["env"])
        if raw is not None and raw != "":
            parse = f.metadata.get("parse", lambda s: s)
            try:
                values[f.name] = parse(raw)
            except ValueError as exc:
                raise ValueError(f"{f.metadata['env']}: {exc}") from exc
    for key, value in (overrides or {}).items():
        if key in {f.name for f in fields(Settings)}:
            values[key] = value
    return Settings(**values)
