"""The report commands: `tracker brief` (the meeting brief as PDF or JSON) and `tracker report
period` (the periodic review as PDF, XLSX or JSON), from the same documents as the pages."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import orjson
from flask.cli import with_appcontext

from tracker.cli.context import cli_session, cli_state
from tracker.cli.data import _filter_from, filter_options
from tracker.errors import TrackerError
from tracker.i18n import LANGS, gettext
from tracker.reports.brief import brief_dates, build_brief
from tracker.reports.overview_map import render_map
from tracker.reports.pdf import brief_pdf, period_pdf
from tracker.reports.period import PRESETS, build_period, period_dates
from tracker.reports.xlsx import period_xlsx


def _write(data: bytes, output: str) -> None:
    if output == "-":
        sys.stdout.buffer.write(data)
    else:
        Path(output).write_bytes(data)
        click.echo(f"written to {output}", err=True)


def _kind(output: str, allowed: tuple[str, ...], fmt: str | None) -> str:
    chosen = fmt or Path(output).suffix.lstrip(".").lower()
    if chosen not in allowed:
        raise click.BadParameter(f"give --format {' or '.join(allowed)}, or an --output "
                                 f"ending in .{' or .'.join(allowed)}", param_hint="--output")
    return chosen


def _dates(parse: Any, args: dict[str, Any], *more: Any) -> Any:
    try:
        return parse(args, *more)
    except TrackerError as exc:
        raise click.BadParameter(exc.message + (f" ({exc.detail})" if exc.detail else ""),
                                 param_hint=f"--{(exc.field or '').replace('_', '-')}"
                                 ) from exc


@click.command("brief")
@with_appcontext
@filter_options
@click.option("--as-of", "as_of", default="", help="ISO date (default: today).")
@click.option("--since", default="", help="ISO date (default: 30 days before --as-of).")
@click.option("--lang", default="vi", type=click.Choice(LANGS), show_default=True)
@click.option("--format", "fmt", type=click.Choice(["pdf", "json"]), default=None,
              help="Default: from the --output file's extension.")
@click.option("--output", "-o", required=True, help="File to write ('-': standard output).")
def brief(as_of: str, since: str, lang: str, fmt: str | None, output: str,
          **options: Any) -> None:
    """The leaders' meeting brief (the /brief page) as an A4 PDF or JSON."""
    kind = _kind(output, ("pdf", "json"), fmt)
    f = _filter_from(options)
    args = {k: v for k, v in (("as_of", as_of), ("since", since)) if v}
    day, start = _dates(brief_dates, args, cli_state().today())
    with cli_session() as session:
        doc = build_brief(session, f, day, start, cli_state().settings, lang)
        if kind == "json":
            data = orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS)
        else:
            png = render_map(session, f, doc.statuses, lang, gettext("brief.map_north", lang))
            data = brief_pdf(doc, png)
    _write(data, output)


@click.group("report")
def report() -> None:
    """The programme's review reports."""


@report.command("period")
@with_appcontext
@filter_options
@click.option("--from", "start", default="", help="First day (ISO date).")
@click.option("--to", "end", default="", help="Last day (ISO date).")
@click.option("--preset", type=click.Choice(tuple(PRESETS)), default=None,
              help="mid_term (sơ kết, 2021-01-01 – 2023-06-30) or final (tổng kết, "
              "2021–2025; the default).")
@click.option("--lang", default="vi", type=click.Choice(LANGS), show_default=True)
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx", "json"]), default=None,
              help="Default: from the --output file's extension.")
@click.option("--output", "-o", required=True, help="File to write ('-': standard output).")
def period(start: str, end: str, preset: str | None, lang: str, fmt: str | None,
           output: str, **options: Any) -> None:
    """The periodic review (the /reports/period page) as PDF, XLSX or JSON."""
    kind = _kind(output, ("pdf", "xlsx", "json"), fmt)
    f = _filter_from(options)
    args = {k: v for k, v in (("from", start), ("to", end), ("preset", preset)) if v}
    first, last, matched = _dates(period_dates, args)
    with cli_session() as session:
        doc = build_period(session, f, first, last, cli_state().settings, lang, matched)
    data = (orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS) if kind == "json"
            else period_xlsx(doc) if kind == "xlsx" else period_pdf(doc))
    _write(data, output)


REPORT_COMMANDS = (brief, report)
