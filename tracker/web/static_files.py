"""Our own static files, addressed by content version so a browser never runs stale JS."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import url_for

STATIC_DIR = Path(__file__).parent / "static"


@lru_cache(maxsize=32)
def _static_version(filename: str) -> str:
    return hashlib.sha256((STATIC_DIR / filename).read_bytes()).hexdigest()[:10]


def static_url(filename: str) -> str:
    """URL of one of our static files, versioned by content so browsers never run stale JS."""
    return url_for("pages.static", filename=filename, v=_static_version(filename))
