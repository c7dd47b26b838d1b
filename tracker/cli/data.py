"""The data commands: init-db, seed, list, export, serve, boundaries.

Exit codes: 0 success, 1 bad data or a failed command (message on stderr), 2 bad usage.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker import formatting, vocab
from tracker.cli.context import cli_session, cli_state
from tracker.dates import display_partial
from tracker.db import migrate
from tracker.errors import TrackerError
from tracker.exports import export_selection
from tracker.formats.base import CRS_FORMATS
from tracker.formats.tables import records_to_csv
from tracker.i18n import gettext
from tracker.params import parse_crs
from tracker.queries.filter import ProjectFilter
from tracker.queries.select import select_projects
from tracker.rules import effective_length_km
from tracker.services.seed import (
    read_boundaries,
    replace_boundaries,
    seed_boundaries_if_empty,
    seed_from_file,
)


def filter_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The project filter as CLI options, the same names as the web's query parameters."""
    opts = [
        click.option("--status", multiple=True, type=click.Choice(vocab.codes(vocab.STATUSES)),
                     help="Only this status (repeatable)."),
        click.option("--kind", multiple=True, type=click.Choice(vocab.codes(vocab.KINDS)),
                     help="Only this kind (repeatable)."),
        click.option("--province", multiple=True,
                     type=click.Choice(vocab.codes(vocab.PROVINCES)),
                     help="Only projects in this province (repeatable)."),
        click.option("--programme-role", "programme_role", default="",
                     type=click.Choice(["", "programme", "related", "all"]),
                     help="programme or related projects only (all: both, totals together)."),
        click.option("--owner", default="",
                     help="The governing body, project owner or private investor contains "
                          "this text."),
        click.option("--q", default="", help="Search code and names (ignores diacritics)."),
        click.option("--bbox", default="", help="minLon,minLat,maxLon,maxLat."),
        click.option("--stale", default="", type=click.Choice(["", "1", "0"]),
                     help="1: only projects whose status needs an update (older than "
                     "TRACKER_STALE_DAYS and not closed); 0: only the others."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def _filter_from(options: dict[str, Any]) -> Any:

    args = {k: (list(v) if isinstance(v, tuple) else v) for k, v in options.items() if v}
    try:
        state = cli_state()
        return ProjectFilter.from_args(args, today=state.today(),
                                       stale_days=state.settings.stale_days)
    except TrackerError as exc:
        raise click.UsageError(exc.message) from exc


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""

    migrate(cli_state().engine)
    click.echo(f"database at revision head: {cli_state().engine.url.render_as_string()}")


@click.command("seed")
@with_appcontext
@click.option("--file", "path", type=click.Path(dir_okay=False),
              help="Projects GeoJSON to load (default: geodata/projects.geojson).")
def seed(path: str | None) -> None:
    """Upsert projects by code from a GeoJSON file; all or nothing."""

    settings = cli_state().settings
    with cli_session() as session:
        report = seed_from_file(session, path or settings.seed_file,
                                max_bytes=settings.max_upload_bytes)
        click.echo(f"projects: {len(report.created)} created, {len(report.updated)} updated, "
                   f"{len(report.unchanged)} unchanged; {report.updates_added} status updates "
                   "added")
        if path is None and Path(settings.boundaries_file).exists():
            n = seed_boundaries_if_empty(session, settings.boundaries_file)
            if n:
                click.echo(f"boundaries: {n} loaded")


LIST_COLUMNS = ("code", "name", "kind", "status", "status_as_of", "progress", "length",
                "investment", "disbursed")
# CSV and JSON keep both lengths apart, and say which one the table shows
DATA_COLUMNS = (*LIST_COLUMNS[:6], "stated_length_km", "length_km", "length_source",
                *LIST_COLUMNS[7:])


def _length(p: Any) -> str:
    """The stated length at the source's precision; else the measured one, marked as such."""
    if p.stated_length_km is not None:
        return formatting.stated_km(p.stated_length_km, p.stated_length_decimals)
    if p.length_km is not None:
        return f"{formatting.km(p.length_km)} ({gettext('project.measured', 'vi')})"
    return formatting.no_data()


def _list_rows(projects: list[Any], fmt: str) -> list[dict[str, Any]]:
    rows = []
    for p in projects:
        if fmt == "table":
            rows.append({
                "code": p.code, "name": p.name_vi, "kind": p.kind, "status": p.status,
                "status_as_of": display_partial(p.status_as_of, p.status_as_of_precision)
                or "-",
                "progress": formatting.percent(p.progress_pct),
                "length": _length(p),
                "investment": formatting.vnd_qualified(p.total_investment_vnd,
                                                       p.total_investment_qualifier),
                "disbursed": formatting.vnd(p.disbursed_vnd)})
        else:
            rows.append({
                "code": p.code, "name": p.name_vi, "kind": p.kind, "status": p.status,
                "status_as_of": p.status_as_of_iso(),
                "progress": p.progress_pct, "stated_length_km": p.stated_length_km,
                "length_km": p.length_km,
                "length_source": effective_length_km(p.stated_length_km, p.length_km)[1],
                "investment": p.total_investment_vnd, "disbursed": p.disbursed_vnd})
    return rows


def _table(rows: list[dict[str, Any]], width: int = 44) -> str:
    def cell(v: Any) -> str:
        text = str(v)
        return text if len(text) <= width else text[: width - 1] + "…"

    cells = [[cell(r[c]) for c in LIST_COLUMNS] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(LIST_COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(LIST_COLUMNS, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


@click.command("list")
@with_appcontext
@filter_options
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
def list_projects(fmt: str, **options: Any) -> None:
    """A status table of the projects in the terminal (or CSV / JSON)."""

    f = _filter_from(options)
    with cli_session() as session:
        rows = _list_rows(select_projects(session, f), fmt)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    elif fmt == "csv":
        click.echo(records_to_csv(rows, DATA_COLUMNS), nl=False)
    else:
        click.echo(_table(rows))
        click.echo(f"({len(rows)} projects)")


@click.command("export")
@with_appcontext
@filter_options
@click.option("--format", "fmt", default="geojson", show_default=True,
              type=click.Choice(["geojson", "gpkg", "shp.zip", "kml", "csv", "xlsx"]),
              help="geojson (RFC 7946), gpkg, shp.zip (Shapefiles, UTF-8, .prj), kml, "
              "csv (UTF-8 with BOM, WKT) or xlsx.")
@click.option("--crs", default="", help="Reproject a gpkg or shp.zip to this EPSG code, e.g. "
              "EPSG:3405 (VN-2000 / UTM 48N). Other formats are always WGS 84.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="File to write ('-' for standard output).")
def export(fmt: str, crs: str, output: str, **options: Any) -> None:
    """Write the selected projects to a file for GIS tools (the same files as the API's
    /api/v1/projects.<format>)."""

    f = _filter_from(options)
    try:
        target = parse_crs({"crs": crs}) if crs else None
    except TrackerError as exc:
        raise click.BadParameter(exc.message, param_hint="--crs") from exc
    if target is not None and fmt not in CRS_FORMATS:
        raise click.BadParameter(f"{fmt} is always WGS 84; a CRS can be asked for "
                                 f"{' or '.join(CRS_FORMATS)}", param_hint="--crs")
    today = cli_state().today()
    with cli_session() as session:
        data, count = export_selection(session, f, fmt, today, crs=target,
                                       stale_days=cli_state().settings.stale_days)
    if output == "-":
        sys.stdout.buffer.write(data)
    else:
        Path(output).write_bytes(data)
        click.echo(f"{count} projects written to {output}", err=True)


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Serve the tracker with waitress."""
    import waitress

    # waitress warns "Task queue depth is N" for every request that waits for a thread,
    # i.e. on every short burst: only its errors are worth a log line.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    from tracker.web.deploy import warn_default_secret

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    warn_default_secret(app)
    click.echo(f"serving on http://{host}:{port}")
    waitress.serve(app, host=host, port=port, threads=threads, ident="tracker")


@click.group("boundaries")
def boundaries() -> None:
    """Province outlines shown on the map."""


@boundaries.command("load")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def boundaries_load(path: str) -> None:
    """Replace the province outlines with those in PATH (any CRS GDAL reads)."""

    with cli_session() as session:
        n = replace_boundaries(session, read_boundaries(path))
    click.echo(f"{n} boundaries loaded from {path}")


DATA_COMMANDS = (init_db, seed, list_projects, export, serve, boundaries)
