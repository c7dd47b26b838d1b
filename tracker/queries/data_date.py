"""How recent a selection's facts are: the latest status update of the projects it selects.

Printed pages say "dữ liệu tính đến …" (data as of): the as-of date of the newest dated fact,
not the moment the database was last written (a seed run today does not make 2021 facts new).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db import is_postgres
from tracker.models import Project, StatusUpdate
from tracker.queries.filter import ProjectFilter
from tracker.queries.select import apply_filter


def latest_as_of(session: Session, f: ProjectFilter) -> tuple[date, str] | None:
    """(as-of date, its precision) of the newest update among the selected projects."""
    # walks ix_status_updates_as_of from the newest end until a selected project's update
    stmt = apply_filter(
        select(StatusUpdate.as_of, StatusUpdate.as_of_precision)
        .join(Project, Project.id == StatusUpdate.project_id), f, is_postgres(session)
    ).order_by(StatusUpdate.as_of.desc(), StatusUpdate.id.desc()).limit(1)
    row = session.execute(stmt).first()
    return (row[0], row[1]) if row else None
