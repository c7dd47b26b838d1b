"""`make bench`: run every bench/bench_*.py module's main() and print its figures."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main() -> int:
    names = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    wanted = sys.argv[1:] or names
    for name in names:
        if name in wanted:
            print(f"== {name}", flush=True)
            importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
