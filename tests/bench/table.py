"""The one table `make bench` ends with: every benchmark adds its figures here, `finish()` prints them and
keeps them as JSON (var/bench/latest.json) so the next run can be compared with this one.

    from tests.bench import table
    table.record("partners GET /partners/{id}", "≥ 0.4 x bare route", measured=2100, unit="req/s",
                 target=2000, lower_is_better=False, size="100k partners", database="PostgreSQL")

`ratio` is measured ÷ target when higher is better, target ÷ measured when lower is better: ≥ 1 meets the
goal either way, so one column reads the same for every row.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FOLDER = REPO_ROOT / "var" / "bench"


@dataclass(frozen=True)
class Row:
    figure: str
    goal: str
    measured: float
    unit: str
    target: float | None
    lower_is_better: bool
    size: str = ""
    database: str = ""

    @property
    def key(self) -> str:
        return " | ".join(p for p in (self.figure, self.database, self.size) if p)

    @property
    def ratio(self) -> float | None:
        """≥ 1 when the goal is met, whichever way the figure goes."""
        if self.target is None or self.measured <= 0 or self.target <= 0:
            return None
        return self.target / self.measured if self.lower_is_better else self.measured / self.target

    @property
    def met(self) -> bool | None:
        ratio = self.ratio
        return None if ratio is None else ratio >= 1.0


_rows: list[Row] = []


def record(
    figure: str,
    goal: str,
    measured: float,
    unit: str,
    target: float | None = None,
    lower_is_better: bool = True,
    *,
    size: str = "",
    database: str = "",
) -> Row:
    """Add one figure (printed by `finish()`); `target` None: a figure shown for information only."""
    row = Row(figure, goal, float(measured), unit, target, lower_is_better, size, database)
    _rows.append(row)
    return row


def rows() -> list[Row]:
    return list(_rows)


def clear() -> None:
    _rows.clear()


def rss_mb(pid: int) -> float:
    """Resident memory of one process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"


def render(current: list[Row], previous: dict[str, dict] | None = None) -> str:
    headers = ["figure", "db", "size", "goal", "measured", "ratio", ""]
    if previous:
        headers.append("previous")
    lines = []
    for row in current:
        ratio = row.ratio
        cells = [
            row.figure,
            row.database,
            row.size,
            row.goal,
            f"{_number(row.measured)} {row.unit}",
            "" if ratio is None else f"{ratio:.2f}",
            {True: "ok", False: "MISS", None: ""}[row.met],
        ]
        if previous:
            before = previous.get(row.key)
            cells.append("" if before is None else f"{_number(before['measured'])} {before['unit']}")
        lines.append(cells)
    widths = [max(len(h), *(len(c[i]) for c in lines)) if lines else len(h) for i, h in enumerate(headers)]
    out = [" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    out.append("-+-".join("-" * w for w in widths))
    out.extend(" | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) for cells in lines)
    return "\n".join(out)


def finish(folder: Path | None = None) -> str:
    """Print the table (compared with the last run's, if any) and write it as var/bench/latest.json;
    the last run's file becomes previous.json. Returns the rendered table."""
    folder = folder or Path(os.environ.get("LIAISON_BENCH_OUT", DEFAULT_FOLDER))
    folder.mkdir(parents=True, exist_ok=True)
    latest = folder / "latest.json"
    previous: dict[str, dict] | None = None
    if latest.exists():
        try:
            earlier = json.loads(latest.read_text())
            previous = {Row(**{k: r[k] for k in Row.__dataclass_fields__}).key: r for r in earlier["rows"]}
        except (ValueError, KeyError, TypeError):
            previous = None
        latest.replace(folder / "previous.json")
    current = rows()
    latest.write_text(
        json.dumps(
            {
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "rows": [{**asdict(r), "ratio": r.ratio, "met": r.met} for r in current],
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    rendered = render(current, previous)
    print("\n" + rendered)
    print(f"\n(written to {latest})")
    return rendered
