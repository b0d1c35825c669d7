"""The bench table: ratios read the same way for both directions, and a run is compared with the last."""

import json

from tests.bench import table


def test_ratio_is_at_least_one_when_the_goal_is_met_either_way():
    fast = table.Row("search p95", "≤ 100 ms", 80.0, "ms", 100.0, True)
    slow = table.Row("search p95", "≤ 100 ms", 200.0, "ms", 100.0, True)
    busy = table.Row("logging", "≥ 1,000/s", 1500.0, "/s", 1000.0, False)
    assert (fast.ratio, fast.met) == (1.25, True)
    assert (slow.ratio, slow.met) == (0.5, False)
    assert (busy.ratio, busy.met) == (1.5, True)
    assert table.Row("rss", "", 90.0, "MB", None, True).met is None


def test_finish_writes_json_and_compares_with_the_previous_run(tmp_path):
    table.clear()
    table.record("history p95", "≤ 30 ms", 40.0, "ms", 30.0, True, size="10k", database="SQLite")
    table.finish(tmp_path)
    table.clear()
    table.record("history p95", "≤ 30 ms", 20.0, "ms", 30.0, True, size="10k", database="SQLite")
    rendered = table.finish(tmp_path)
    table.clear()
    latest = json.loads((tmp_path / "latest.json").read_text())
    earlier = json.loads((tmp_path / "previous.json").read_text())
    assert [r["measured"] for r in latest["rows"]] == [20.0]
    assert [r["measured"] for r in earlier["rows"]] == [40.0]
    assert "MISS" not in rendered and "40.0 ms" in rendered  # the previous figure, beside this one
