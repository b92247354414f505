"""Benchmarks/bench-goals.py cannot rot: with tiny counts (--quick --runs 2) it completes and prints every goal's row.

It prints figures and judges nothing, so this checks the table's shape, never a time or a size."""
import os
import re
import subprocess
import sys

from conftest import ROOT, cfg_binary

# The first words of every goal row the table prints (issue 16's goals and its "at scale" part).
GOAL_ROWS = [
    r"`cfg render prod-vault` \(7 secrets, \d+ outputs\) ÷ Agent one-shot",
    r"`cfg render prod-vault` \(7 secrets, \d+ outputs\) \|",
    r"`cfg render prod-vault --check`",
    r"peak RSS of `cfg render prod-vault`",
    r"`cfg render` \(20 secrets, 1 output\)",
    r"RSS growth per extra secret",
    r"`cfg render` on moto \(7 secrets\) ÷ boto3 \+ Jinja2",
    r"`cfg exec` spawn → child's first instruction",
    r"`cfg keygen fernet`",
    r"`cfg --version`",
    r"`cfg run` resident memory after start",
    r"`cfg run` wake-ups per minute idle",
    r"`cfg run` CPU time over",
    r"`cfg run` threads",
    r"20 `cfg exec` starts at once against OpenBao \(7 secrets\): failures",
    r"20 `cfg exec` starts at once against moto \(7 secrets\): failures",
]


def test_bench_goals_quick_run_prints_every_goal_row(tmp_path):
    raw = tmp_path / "goals.json"
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "Benchmarks", "bench-goals.py"), "--quick", "--runs", "2",
         "--cfg", cfg_binary(), "--json", str(raw)],
        capture_output=True, text=True, timeout=240,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "LANG": "C.UTF-8",
             "AWS_EC2_METADATA_DISABLED": "true"})
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ") and not line.startswith("| goal")]
    for pattern in GOAL_ROWS:
        assert any(re.search(pattern, row) for row in rows), "no row for %s in:\n%s" % (pattern, result.stdout)
    # Every row has the six columns, and no row says its cfg figure is missing (a command failed every run).
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert len(cells) == 6, row
        assert cells[2] != "n/a", row
    assert re.search(r"^load: +[\d.]+ [\d.]+ [\d.]+ \(1, 5, 15 min\) at the start", result.stdout, re.M)
    assert raw.stat().st_size > 0
