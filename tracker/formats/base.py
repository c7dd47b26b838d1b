"""What every file format shares: the names files and layers carry, and WKB parsed once."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

FILE_STEM = "du-an"  # "projects": du-an-2026-11-21.gpkg
LAYER = "du_an"


def geometries(wkbs: Sequence[bytes | None]) -> np.ndarray:
    """Shapely geometries (None where missing), parsed in one vectorised call."""
    arr = np.array(list(wkbs) + [None], dtype=object)[:-1]  # keep bytes as objects
    return shapely.from_wkb(arr)
