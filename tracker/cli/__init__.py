"""The `tracker` command: a Flask CLI group (data commands in data.py, accounts in users.py,
the GIS import in imports.py).

Exit codes: 0 success, 1 bad data or a failed command (message on stderr), 2 bad usage.
"""

from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup

from tracker.cli import data, imports, reports, users


def register_commands(app: Flask) -> None:
    for cmd in (*data.DATA_COMMANDS, *reports.REPORT_COMMANDS):
        app.cli.add_command(cmd)
    app.cli.add_command(imports.import_file)
    users.register(app)


def main() -> None:
    from tracker import create_app  # the entry point builds the app (the assembly point)

    cli = FlaskGroup(create_app=lambda: create_app(), add_default_commands=False,
                     help="Cần Thơ – Hậu Giang infrastructure tracker.")
    cli.main(prog_name="tracker")
