"""py-spy on a service process while a benchmark loads it: where the time goes, as a short text summary.

`LIAISON_BENCH_PROFILE=var/bench/profiles` turns it on (`py-spy record` needs to attach to the process:
same user, ptrace allowed). The raw stacks stay in that folder (speedscope or `py-spy` tools read them);
the summary printed lists the functions most often on the stack (inclusive) and at its top (self).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path


def folder() -> Path | None:
    value = os.environ.get("LIAISON_BENCH_PROFILE")
    return Path(value) if value else None


def _py_spy() -> str | None:
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


@contextmanager
def recording(pid: int, name: str):
    """Record the process while the block runs; print a summary after."""
    out_dir, tool = folder(), _py_spy()
    if out_dir is None or tool is None:
        yield
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{name}.txt"
    recorder = subprocess.Popen(
        [tool, "record", "--pid", str(pid), "--format", "raw", "--rate", "250", "--output", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        recorder.send_signal(2)  # SIGINT: py-spy writes what it has and exits
        recorder.wait(30)
        if out.exists():
            print(summary(out, name))


def summary(path: Path, name: str, *, top: int = 14) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].split("/")[-1] for f in stack.split(";")]
        # Idle worker threads waiting on a lock or a queue are not time spent on the load.
        if frames and any(w in frames[-1] for w in ("wait (threading", "select (selectors", "_worker (thread")):
            continue
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        if frames:
            own[frames[-1]] += n
    if not total:
        return f"    profile {name}: no samples"
    lines = [f"    profile {name} ({total} busy samples; inclusive %, then self %):"]
    lines += [f"      {100 * n / total:5.1f}%  {frame})" for frame, n in inclusive.most_common(top)]
    lines.append("      -- self --")
    lines += [f"      {100 * n / total:5.1f}%  {frame})" for frame, n in own.most_common(top)]
    return "\n".join(lines)
