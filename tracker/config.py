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


def _bbox(text: str) -> tuple[float, float, float, float]:
    parts = [float(p) for p in text.split(",")]
    if len(parts) != 4 or parts[0] >= parts[2] or parts[1] >= parts[3]:
        raise ValueError(f"a region envelope is minLon,minLat,maxLon,maxLat, got {text!r}")
    return (parts[0], parts[1], parts[2], parts[3])


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
        default="dev-only-change-me",
        metadata={"env": "TRACKER_SECRET_KEY", "help": "Flask secret key (cookies)."},
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
            "help": "ISO date used as 'today' for late flags (empty: the real date).",
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
