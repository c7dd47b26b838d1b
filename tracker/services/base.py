"""The one way a service commits: everything inside `transaction` or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.errors import ValidationError


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Commit on success; roll back everything and re-raise on failure.

    A constraint the database rejects becomes a ValidationError naming the constraint.
    """
    try:
        yield session
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ValidationError("the database rejected the change",
                              detail=str(exc.orig).splitlines()[0]) from exc
    except BaseException:
        session.rollback()
        raise
