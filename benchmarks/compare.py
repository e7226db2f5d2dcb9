"""Compare two checkouts of qidong-audit on the same work, with measures steadier than wall time.

    git worktree add /tmp/before <commit>
    python benchmarks/compare.py /tmp/before .                  # paired CPU time of the 1,000-workbook batch
    python benchmarks/compare.py /tmp/before . --instructions   # and instructions per workbook (valgrind)

On a shared machine wall time drifts by more than most single changes are worth (docs/scale.md). Two measures
that drift less:
- CPU seconds of `check --jobs 2` over benchmarks/bench.py's 1,000 standard workbooks, the two checkouts
  alternating: the workers' time (what the batch costs) and the parent's, from rusage;
- instructions per workbook (callgrind, when valgrind is installed): the audit of N of bench.py's
  100-department workbooks in one process, minus the same process auditing none, with the data cache off so
  that start-up is alike. It is deterministic to a few hundredths of a percent, enough to judge a 1 % change.
Stdlib and the project only.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import write_varied, write_workbooks  # noqa: E402

PY = sys.executable

# The in-process loop that --instructions counts: warm up on 20 workbooks, then audit N more, collecting
# garbage as a batch worker does (io/pool.py).
_LOOP = """
import gc, sys
sys.path.insert(0, sys.argv[1])
import qidong_audit
sys.stderr.write(f"FROM {qidong_audit.__file__}\\n")
import qidong_audit.audit as A
from qidong_audit.io import isolate
isolate.IN_READER = True
# a batch's options (keep_tables: checkouts before the sixth session name it keep_rows)
options = A.AuditOptions(**{k: False for k in ("keep_tables", "keep_rows") if k in A.AuditOptions.__dataclass_fields__})
pack = A.load_rules(options)
files = sys.argv[3:]
for f in files[:20]:
    A._safe_audit(f, pack, options)
gc.freeze()
gc.set_threshold(20_000, 20, 20)
for f in files[20:20 + int(sys.argv[2])]:
    A._safe_audit(f, pack, options)
"""


def _env(tree: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(tree), **extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def batch_cpu(tree: Path, folder: Path) -> tuple[float, float, float]:
    """(wall, workers' CPU, parent's CPU) of `check --jobs 2` over the folder, in seconds."""
    # The CLI under a wrapper that reports, as it leaves, its own CPU (the parent) and its children's (the workers)
    # `python -c` puts the working directory first on sys.path: run from the tree itself, and say which copy of
    # the package ran (from the directory compare.py was started in, both sides once ran that directory's code).
    wrapper = ("import atexit, resource, sys\n"
               "def report():\n"
               "    s = resource.getrusage(resource.RUSAGE_SELF); c = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
               "    sys.stderr.write(f'CPU {s.ru_utime + s.ru_stime} {c.ru_utime + c.ru_stime}\\n')\n"
               "atexit.register(report)\n"
               "sys.argv = ['qidong-audit', 'check', sys.argv[1], '-q', '-f', 'json', '--jobs', '2']\n"
               "import qidong_audit\n"
               "sys.stderr.write(f'FROM {qidong_audit.__file__}\\n')\n"
               "from qidong_audit.cli import main\n"
               "main()\n")
    t = time.perf_counter()
    done = subprocess.run([PY, "-c", wrapper, str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env=_env(tree), text=True, cwd=tree)
    wall = time.perf_counter() - t
    found = re.search(r"CPU ([\d.]+) ([\d.]+)", done.stderr)
    if done.returncode not in (0, 1) or not found:
        raise SystemExit(f"{tree}: check failed ({done.returncode})\n{done.stderr[-2000:]}")
    _ran_from(tree, done.stderr)
    return wall, float(found.group(2)), float(found.group(1))


def _ran_from(tree: Path, stderr: str) -> None:
    """Stop unless the package that ran is the tree's own."""
    found = re.search(r"FROM (.+)", stderr)
    if not found or not Path(found.group(1)).resolve().is_relative_to(tree):
        raise SystemExit(f"{tree}: the run imported {found.group(1) if found else 'an unknown copy'}, not this tree's "
                         "package")


def instructions(tree: Path, files: list[Path], n: int) -> float:
    """Millions of instructions per workbook, in-process (callgrind)."""
    def count(k: int) -> int:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", PY, "-c", _LOOP, str(tree), str(k),
             *map(str, files)], capture_output=True, text=True, env=_env(tree, QIDONG_AUDIT_CACHE_DIR="off"), cwd=tree)
        found = re.search(r"Collected : (\d+)", done.stderr)
        if not found:
            raise SystemExit(f"{tree}: callgrind failed\n{done.stderr[-2000:]}")
        _ran_from(tree, done.stderr)
        return int(found.group(1))

    return (count(n) - count(0)) / n / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before", type=Path, help="a checkout of the project (a git worktree)")
    ap.add_argument("after", type=Path, help="another checkout")
    ap.add_argument("--pairs", type=int, default=3, help="alternating runs of each (default 3)")
    ap.add_argument("--instructions", action="store_true", help="also count instructions per workbook (valgrind)")
    ap.add_argument("--files", type=int, default=20, help="workbooks the instruction count audits (default 20)")
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "qidong-bench")
    args = ap.parse_args()
    trees = [args.before.resolve(), args.after.resolve()]
    for tree in trees:
        if not (tree / "qidong_audit" / "__init__.py").exists():
            raise SystemExit(f"{tree}: not a checkout of qidong-audit")
        subprocess.run([PY, "-m", "compileall", "-q", str(tree / "qidong_audit")], check=True,
                       stdout=subprocess.DEVNULL)
    folder = args.dir / "standard"
    write_workbooks(folder, 1000)
    runs: dict[Path, list[tuple[float, float, float]]] = {tree: [] for tree in trees}
    for tree in trees:  # once each to warm the file cache and the data cache
        batch_cpu(tree, folder)
    for _ in range(args.pairs):
        for tree in trees:
            runs[tree].append(batch_cpu(tree, folder))
    print(f"check --jobs 2 of 1,000 workbooks, {args.pairs} alternating runs each (medians):")
    for tree in trees:
        wall, workers, parent = (statistics.median(x[i] for x in runs[tree]) for i in range(3))
        print(f"  {str(tree):40s} wall {wall:6.3f} s   workers {workers:6.2f} s CPU   parent {parent:5.2f} s CPU")
    before, after = (statistics.median(x[1] + x[2] for x in runs[t]) for t in trees)
    print(f"  CPU after / before: {after / before:.3f}")
    if args.instructions:
        if shutil.which("valgrind") is None:
            raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")
        files = write_varied(args.dir / "varied", 1000, 100)[:20 + args.files]
        counts = [instructions(tree, files, args.files) for tree in trees]
        print(f"instructions per workbook, in-process (callgrind, {args.files} workbooks of 100 departments):")
        for tree, c in zip(trees, counts):
            print(f"  {str(tree):40s} {c:8.2f} M")
        print(f"  after / before: {counts[1] / counts[0]:.4f}")


if __name__ == "__main__":
    main()
