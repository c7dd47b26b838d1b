"""The `tracker` command: output and exit codes (0 ok, 1 bad data, 2 bad usage)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

from sqlalchemy import func, select

from tests.conftest import SEED_FILE
from tracker.models import Project


def test_seed_then_list_table(runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "created" in result.output and "boundaries: 2 loaded" in result.output
    again = runner.invoke(args=["seed"])
    assert "0 created, 0 updated" in again.output and "0 status updates added" in again.output
    table = runner.invoke(args=["list"])
    assert table.exit_code == 0
    lines = table.output.splitlines()
    assert lines[0].split() == ["code", "name", "kind", "status", "status_as_of", "progress",
                                "length", "investment", "disbursed"]
    assert any(line.startswith("ql61c-phase2 ") and "3.556,69 tỷ đồng" in line
               and "09/03/2026" in line and "37,152 km" in line for line in lines)
    # no stated length: the measured one, said to be measured
    assert any(line.startswith("dt926 ") and "(đo trên bản đồ)" in line
               for line in lines), table.output
    stale = runner.invoke(args=["list", "--stale", "1", "--format", "json"])
    assert stale.exit_code == 0, stale.output
    assert {r["code"] for r in json.loads(stale.output)} == {
        "ql61c-phase2", "vam-xang-bridge", "xa-no-canal", "can-tho-ca-mau-expressway",
        "chau-doc-can-tho-soc-trang-expressway"}
    assert "chưa có dữ liệu" in table.output  # unknown is shown as such, never 0


def test_list_csv_and_json_use_plain_numbers(runner):
    runner.invoke(args=["seed"])
    out = runner.invoke(args=["list", "--format", "csv", "--kind", "road"]).output
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and all(r["kind"] == "road" for r in rows)
    q2 = next(r for r in rows if r["code"] == "ql61c-phase2")
    assert q2["investment"] == "3556690000000"  # the latest dated estimate
    assert (q2["stated_length_km"], q2["length_source"]) == ("37.152", "stated")
    assert float(q2["length_km"]) > 30  # the measured one, apart
    data = json.loads(runner.invoke(args=["list", "--format", "json",
                                          "--status", "completed"]).output)
    assert data and {d["status"] for d in data} == {"completed"}
    assert all(d["investment"] is None or isinstance(d["investment"], int) for d in data)


def test_list_rejects_unknown_status_with_usage_exit_code(runner):
    result = runner.invoke(args=["list", "--status", "finished"])
    assert result.exit_code == 2
    assert "finished" in result.output


def test_seed_with_a_bad_file_exits_1_and_writes_nothing(app, runner, tmp_path):
    data = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    data["features"][2]["properties"]["kind"] = "tunnel"
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["seed", "--file", str(bad)])
    assert result.exit_code == 1
    code = data["features"][2]["properties"]["code"]
    assert f"feature 3 ({code})" in result.output or code in result.output
    assert "tunnel" in result.output
    with app.extensions["tracker"].sessions() as s:
        assert s.scalar(select(func.count(Project.id))) == 0


def test_boundaries_load_missing_file_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(args=["boundaries", "load", str(tmp_path / "nope.geojson")])
    assert result.exit_code == 2


def test_console_script_runs_init_db_and_list_on_a_fresh_sqlite(tmp_path):
    """The installed `tracker` entry point, as a person runs it (a real process)."""
    env = {**os.environ, "TRACKER_INSTANCE_PATH": str(tmp_path), "TRACKER_DATABASE_URL": ""}
    exe = [sys.executable, "-c", "from tracker.cli import main; main()"]
    init = subprocess.run([*exe, "init-db"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert init.returncode == 0, init.stderr
    assert (tmp_path / "tracker.db").exists()
    listing = subprocess.run([*exe, "list"], env=env, capture_output=True, text=True,
                             timeout=120)
    assert listing.returncode == 0 and "(0 projects)" in listing.stdout


def test_serve_answers_healthz_from_a_real_process(tmp_path):
    import socket
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "TRACKER_INSTANCE_PATH": str(tmp_path), "TRACKER_DATABASE_URL": ""}
    subprocess.run([sys.executable, "-c", "from tracker.cli import main; main()", "init-db"],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    proc = subprocess.Popen([sys.executable, "-c", "from tracker.cli import main; main()",
                             "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = json.loads(r.read())
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert body == {"status": "ok", "projects": 0}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
