"""What the migration tests share: taking a database down to an earlier revision."""

from __future__ import annotations

from alembic import command

from tracker.db import alembic_config


def downgrade(engine, revision: str) -> None:
    """Downgrade to `revision` on the engine's own connection (the env.py the app uses)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
