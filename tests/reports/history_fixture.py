"""A built history for the report tests: four projects, each with one story to tell.

- slipped: under construction; its planned end moved 31/12/2026 -> 30/06/2027 on 01/06/2026
  (an edit, so the audit trail dates it).
- done: under construction from 2022, completed on 15/10/2026 (in the brief's window).
- stalled: under construction, last update 10/01/2025 (more than 180 days before 21/11/2026).
- behind: 10 % progress on 01/11/2026 while 2024-01-01 – 2026-12-31 is ~95 % elapsed; it also
  disbursed 50 -> 80 tỷ on 01/11/2026.
- late: planned end 30/06/2026 passed, status updated 01/09/2026 (after it): confirmed late.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from tests.factories import make_project
from tracker.audit import Actor
from tracker.models import AuditEntry, StatusUpdate
from tracker.services import projects as service

TY = 1_000_000_000


def update(p, day, status, progress=None, disbursed=None, note=None):
    p.updates.append(StatusUpdate(as_of=day, as_of_precision="day", status=status,
                                  progress_pct=progress, disbursed_vnd=disbursed,
                                  author="test", note=note))


def build_history(session):
    slipped = make_project("hx-slipped", name_vi="Đường Trường Xuân dời hạn",
                           status="under_construction", planned_start=date(2024, 1, 1),
                           planned_start_precision="day", planned_end=date(2026, 12, 31),
                           planned_end_precision="day")
    update(slipped, date(2026, 10, 1), "under_construction", progress=80)
    done = make_project("hx-done", name_vi="Cầu Ô Môn hoàn thành", kind="bridge",
                        status="proposed")
    update(done, date(2022, 3, 1), "under_construction", progress=10)
    update(done, date(2026, 10, 15), "completed", progress=100)
    stalled = make_project("hx-stalled", name_vi="Kênh Xà No đình trệ", kind="waterway",
                           status="proposed")
    update(stalled, date(2025, 1, 10), "under_construction", progress=30)
    behind = make_project("hx-behind", name_vi="Đường Vị Thanh chậm tiến độ",
                          status="proposed", planned_start=date(2024, 1, 1),
                          planned_start_precision="day", planned_end=date(2026, 12, 31),
                          planned_end_precision="day", total_investment_vnd=500 * TY)
    update(behind, date(2024, 2, 1), "under_construction", progress=5, disbursed=50 * TY)
    update(behind, date(2026, 11, 1), "under_construction", progress=10, disbursed=80 * TY)
    late = make_project("hx-late", name_vi="Đường Phụng Hiệp quá hạn",
                        status="under_construction", planned_end=date(2026, 6, 30),
                        planned_end_precision="day")
    update(late, date(2026, 9, 1), "under_construction", progress=60)
    session.add_all([slipped, done, stalled, behind, late])
    session.commit()
    written = service.edit_project(session, Actor("lan"), slipped,
                                   {"planned_end": "2027-06-30"},
                                   expected_version=slipped.version_id,
                                   source={"key": "hx-quyet-dinh", "publisher": "UBND"})
    entry = session.scalar(select(AuditEntry).where(AuditEntry.id == written.entry.id))
    entry.at = datetime(2026, 6, 1, 3, 0)  # the trail's UTC: 10:00 in Vietnam
    session.commit()
    return {"slipped": slipped, "done": done, "stalled": stalled, "behind": behind,
            "late": late}
