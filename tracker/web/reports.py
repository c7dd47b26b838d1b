"""The reports' pages: the meeting brief (/brief, .json, .pdf and its map PNG) and the
periodic review (/reports/period, .json, .pdf, .xlsx). Thin: parse, build the one document
(tracker.reports), render it in the asked representation."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Blueprint, Response, render_template, request
from markupsafe import Markup

from tracker.i18n import current_lang, gettext
from tracker.params import FILTER_PARAMS, check_known
from tracker.queries.filter import ProjectFilter
from tracker.reports import charts
from tracker.reports.brief import Brief, brief_dates, build_brief
from tracker.reports.overview_map import render_map
from tracker.reports.pdf import brief_pdf, headline_rows, period_pdf
from tracker.reports.period import PRESETS, PeriodReport, build_period, period_dates
from tracker.reports.xlsx import period_xlsx
from tracker.web.request import db_session, state

bp = Blueprint("reports", __name__)

BRIEF_PARAMS = (*FILTER_PARAMS, "as_of", "since")
PERIOD_PARAMS = (*FILTER_PARAMS, "from", "to", "preset")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _brief() -> tuple[Brief, ProjectFilter]:
    check_known(request.args, BRIEF_PARAMS)
    f = ProjectFilter.from_args(request.args)
    as_of, since = brief_dates(request.args, state().today())
    return build_brief(db_session(), f, as_of, since, state().settings, current_lang()), f


def _json(doc: Any) -> Response:
    return Response(orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS),
                    mimetype="application/json")


def _attachment(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def brief_charts(doc: Brief) -> dict[str, Markup]:
    """The brief's inline SVG charts (every text escaped by tracker.reports.charts)."""
    lang = doc.lang
    groups = [(gettext(f"period.role.{g}", lang), doc.headline[g].now)
              for g in ("programme", "related")]
    return {
        "status": Markup(charts.status_bar([(label, fig.by_status) for label, fig in groups],
                                           lang, gettext("brief.chart.status", lang))),
        "disbursement": Markup(charts.disbursement_bars(
            [(label, fig.disbursed_vnd, fig.investment_vnd) for label, fig in groups], lang,
            gettext("brief.chart.disbursement", lang))),
    }


@bp.route("/brief")
def brief() -> str:
    doc, f = _brief()
    return render_template("brief.html", doc=doc, f=f, charts=brief_charts(doc),
                           headline=headline_rows(doc, doc.lang), today=state().today(),
                           args=dict(f.to_args(), as_of=doc.as_of.isoformat(),
                                     since=doc.since.isoformat()))


@bp.route("/brief.json")
def brief_json() -> Response:
    return _json(_brief()[0])


@bp.route("/brief.pdf")
def brief_pdf_view() -> Response:
    doc, f = _brief()
    png = render_map(db_session(), f, doc.statuses, doc.lang, gettext("brief.map_north"))
    return _attachment(brief_pdf(doc, png), "application/pdf",
                       f"bao-cao-nhanh-{doc.as_of.isoformat()}.pdf")


@bp.route("/brief/map.png")
def brief_map() -> Response:
    doc, f = _brief()
    png = render_map(db_session(), f, doc.statuses, doc.lang, gettext("brief.map_north"))
    return Response(png, mimetype="image/png",
                    headers={"Cache-Control": "private, max-age=300"})


def _period() -> PeriodReport:
    check_known(request.args, PERIOD_PARAMS)
    f = ProjectFilter.from_args(request.args)
    start, end, preset = period_dates(request.args)
    return build_period(db_session(), f, start, end, state().settings, current_lang(),
                        preset)


@bp.route("/reports/period")
def period() -> str:
    doc = _period()
    f = ProjectFilter.from_args(request.args)
    return render_template("period.html", doc=doc, f=f, presets=PRESETS,
                           args=dict(f.to_args(), **{"from": doc.start.isoformat(),
                                                     "to": doc.end.isoformat()}))


@bp.route("/reports/period.json")
def period_json() -> Response:
    return _json(_period())


@bp.route("/reports/period.pdf")
def period_pdf_view() -> Response:
    doc = _period()
    return _attachment(period_pdf(doc), "application/pdf",
                       f"bao-cao-{doc.start.isoformat()}-{doc.end.isoformat()}.pdf")


@bp.route("/reports/period.xlsx")
def period_xlsx_view() -> Response:
    doc = _period()
    return _attachment(period_xlsx(doc), XLSX,
                       f"bao-cao-{doc.start.isoformat()}-{doc.end.isoformat()}.xlsx")
