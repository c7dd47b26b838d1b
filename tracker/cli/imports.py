"""`tracker import FILE`: a GIS file into the register, previewed with --dry-run, all or
nothing (tracker.services.imports). A progress bar (rich) follows large files on a terminal.

Exit codes: 0 imported (or, with --dry-run, a plan with nothing rejected), 1 the file or a
feature refused (each reason on stderr; nothing written), 2 bad usage.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from tracker import auth
from tracker.audit import CLI, Actor
from tracker.cli.context import cli_session, cli_state
from tracker.errors import InvalidFields, TrackerError
from tracker.formats.gdal import read_upload
from tracker.formats.safe_json import read_bytes
from tracker.services.imports import ImportPlan, Options, apply_import, plan_import

PROGRESS_FROM = 500  # features: fewer import before a bar would draw


@contextmanager
def _progress(total: int, what: str, show: bool) -> Iterator[Any]:
    if not show or total < PROGRESS_FROM:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), transient=True,
                  console=None) as bar:
        task = bar.add_task(what, total=total)
        yield lambda n: bar.advance(task, n)


def _echo_plan(plan: ImportPlan) -> None:
    c = plan.counts()
    click.echo(f"{plan.file_name}: {plan.file_format}, CRS {plan.crs or '—'}"
               + (f", layers {', '.join(plan.layers)}" if plan.layers else ""))
    for note in plan.notes:
        click.echo(f"  note: {note}")
    for column, why in plan.ignored_columns.items():
        click.echo(f"  ignored column {column}: {why}")
    if plan.unknown_columns:
        click.echo(f"  unknown columns (not imported): {', '.join(plan.unknown_columns)}")
    for e in plan.of("create"):
        click.echo(f"  + {e.code} (feature {e.number}): new project")
    for e in plan.of("change"):
        click.echo(f"  ~ {e.code} (feature {e.number}):")
        for ch in e.changes:
            click.echo(f"      {ch['field']}: {ch['old']!r} → {ch['new']!r}")
    for r in plan.rejected:
        click.echo(f"  ✗ {r.message}", err=True)
    click.echo(f"{c['features']} features: {c['created']} to create, {c['changed']} to change, "
               f"{c['unchanged']} unchanged, {c['rejected']} rejected")


@click.command("import")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would be created, changed and "
              "rejected; write nothing.")
@click.option("--crs", default="", help="The CRS of a file that declares none, e.g. "
              "EPSG:5897 (VN-2000 / TM-3 105°00′); overrides the file's own.")
@click.option("--layer", default="", help="The GeoPackage layer, Shapefile, KML folder or "
              "XLSX sheet to read (default: all layers; one sheet).")
@click.option("--source", default="", help="Key of a stored source cited for the values "
              "of features without a source column.")
@click.option("--as", "as_user", default="", help="The editor (username) the import is "
              "recorded as (default: the command line).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def import_file(path: str, dry_run: bool, crs: str, layer: str, source: str, as_user: str,
                as_json: bool) -> None:
    """Import projects from a GIS file (GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ,
    CSV/XLSX with WKT or coordinate columns), matched by code; all or nothing."""
    st = cli_state()
    settings = st.settings
    options = Options(crs=crs or None, layer=layer or None, source=source or None)
    show = sys.stderr.isatty() and not as_json
    with cli_session() as session:
        actor: Actor = CLI
        if as_user:
            user = auth.get_user(session, as_user)
            if user is None or not user.active:
                raise click.ClickException(f"no active user named {as_user!r}")
            if not auth.can(user, "import"):
                raise click.ClickException(f"{user.username!r} is a {user.role}: importing "
                                           "needs an editor")
            actor = Actor.of(user)
        try:
            data = read_bytes(Path(path), settings.max_upload_bytes)
            read = read_upload(data, Path(path).name, max_bytes=settings.max_upload_bytes,
                               region=settings.region_bbox, crs=options.crs, layer=options.layer,
                               max_vertices=settings.max_vertices)
        except TrackerError as exc:
            raise click.ClickException(exc.message) from exc
        today = st.today()
        n = len(read.features)
        if dry_run:
            with _progress(n, "checking", show) as advance:
                plan = plan_import(session, read, options, today=today, progress=advance)
        else:
            try:
                with _progress(n, "importing", show) as advance:
                    plan = apply_import(session, actor, read, options, today=today,
                                        progress=advance)
            except InvalidFields as exc:
                for e in exc.errors:
                    click.echo(f"  ✗ {e['message']}", err=True)
                raise click.ClickException(exc.message) from exc
    if as_json:
        click.echo(json.dumps(plan.summary(), ensure_ascii=False, indent=1, default=str))
    else:
        _echo_plan(plan)
    if dry_run:
        if plan.rejected:
            raise click.ClickException(f"{len(plan.rejected)} features rejected: the file "
                                       "would not be imported")
        click.echo("dry run: nothing written")
    else:
        click.echo(f"imported (import {plan.import_id})")
