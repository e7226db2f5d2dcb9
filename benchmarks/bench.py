"""Benchmark qidong-audit against its reference points, as whole processes, side by side in one run.

    python benchmarks/bench.py            # the full run (generates ~1,100 workbooks in a temp folder)
    python benchmarks/bench.py --quick    # fewer files and repeats, for a smoke test
    python benchmarks/bench.py --instructions   # (c) also counted in instructions (valgrind; ≈ 3 min more)

Prints medians over repeated runs and the ratios the project holds itself to (issue 7):
  (a) `qidong-audit check` of one standard workbook vs a pandas+openpyxl script that only loads it   ≤ 0.3×
  (b) `qidong-audit --help` vs `python -c "import typer"`                                         ≤ 2.5×
  (c) `check --jobs 2` of 1,000 workbooks vs a 2-process python-calamine read of the same files      ≤ 4×,
      with workbooks per second and peak memory per process                                         < 200 MiB
  (d) scaling: 10 / 100 / 1,000 files, and 1 / 10 / 100 × the rows per table: cost per cell stays flat ≤ 1.5×
  (e) diagnosis of a full workbook with a planted slip, in-process (issue 4: well under a second)
Ratios are medians of per-pair ratios (A and B alternate), so machine noise affects both sides alike.
With --instructions, (c) is also counted in instructions executed (callgrind), which no other load on the
machine changes: the ratio of the work done, where the wall-clock ratio also carries how fast each side's
instructions run at the time.
Stdlib and the project only (the workbooks are written with the project's own openpyxl dependency).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CLI = [PY, "-m", "qidong_audit"]


class Run(NamedTuple):
    wall: float  # seconds
    peak: int  # peak RSS (KiB) of the largest process so far
    cpu: float  # seconds of CPU, user and system, of the process and its children


def run(cmd: list[str]) -> Run:
    """Wall seconds, peak RSS and CPU seconds of one whole process (its children included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env())
    wall = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr.decode(errors='replace')[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Run(wall, max(after.ru_maxrss, before.ru_maxrss), cpu)


ENV: dict[str, str] = {}  # set by main(): where the tool keeps its data cache


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure the tool as installed: its modules byte-compiled
    env.update(ENV)
    return env


def paired(a: list[str], b: list[str], n: int) -> tuple[float, float, float]:
    """Median wall of A, of B, and median of the per-pair ratios A/B (A and B alternate)."""
    wa, wb, ratios = [], [], []
    run(a), run(b)  # warm the file cache and the interpreter's .pyc files
    for _ in range(n):
        ta = run(a).wall
        tb = run(b).wall
        wa.append(ta)
        wb.append(tb)
        ratios.append(ta / tb)
    return statistics.median(wa), statistics.median(wb), statistics.median(ratios)


def write_workbooks(folder: Path, count: int) -> list[Path]:
    sys.path.insert(0, str(ROOT))
    from fixtures.builders import clean_dataset, write_central

    folder.mkdir(parents=True, exist_ok=True)
    first = folder / "w0000.xlsx"
    if not first.exists():
        write_central(clean_dataset(0, state_capital=True), first)
    paths = []
    for i in range(count):
        p = folder / f"w{i:04d}.xlsx"
        if not p.exists():
            shutil.copyfile(first, p)  # same content, distinct files: the OS cache treats both sides alike
        paths.append(p)
    return paths


def write_varied(folder: Path, count: int, distinct: int) -> list[Path]:
    """`count` workbooks of `distinct` departments (each its own figures, classification rows and name; the
    central layout, as a county's departments fill one template), each department copied count/distinct times."""
    sys.path.insert(0, str(ROOT))
    from fixtures.builders import clean_dataset, write_central

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        d = i % distinct
        first = folder / f"d{d:03d}-0000.xlsx"
        if not first.exists():
            write_central(clean_dataset(d + 1, department=f"示范县第{d + 1}局", state_capital=d % 2 == 0), first)
        p = folder / f"d{d:03d}-{i:04d}.xlsx" if i >= distinct else first
        if not p.exists():
            shutil.copyfile(first, p)
        paths.append(p)
    return paths


def write_tall(path: Path, scale: int) -> int:
    """A 支出决算表 with `scale` × 40 项 rows (consistent), written with openpyxl in write-only mode; returns its cells."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("支出决算表")
    ws.append(["支出决算表"])
    ws.append(["单位：万元"])
    ws.append(["科目编码", "科目名称", "本年支出合计", "基本支出", "项目支出"])
    rows = []
    n_items = 40 * scale
    per_class = 20
    total_b = total_p = 0
    for c in range((n_items + per_class - 1) // per_class):
        lei = 201 + (c % 20)
        kuan = f"{lei}{(c // 20) % 99 + 1:02d}"
        items = []
        for i in range(per_class):
            b, pj = 100 + (i * 37 + c) % 900, (i * 53 + c) % 500
            items.append([f"{kuan}{i + 1:02d}", "科目", (b + pj) / 100, b / 100, pj / 100])
        kb = sum(round(x[3] * 100) for x in items)
        kp = sum(round(x[4] * 100) for x in items)
        rows.append([kuan, "款", (kb + kp) / 100, kb / 100, kp / 100])
        rows.extend(items)
        total_b += kb
        total_p += kp
    ws.append([None, "合计", (total_b + total_p) / 100, total_b / 100, total_p / 100])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return (len(rows) + 1) * 5


CALAMINE_POOL = r"""
import sys
from multiprocessing import Pool
from python_calamine import CalamineWorkbook

def load(p):
    wb = CalamineWorkbook.from_path(p)
    return sum(len(wb.get_sheet_by_name(n).to_python(skip_empty_area=False)) for n in wb.sheet_names)

if __name__ == "__main__":
    files = open(sys.argv[1], encoding="utf-8").read().split("\n")
    with Pool(2) as pool:
        sum(pool.imap_unordered(load, files, chunksize=8))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer files and repeats (smoke test)")
    ap.add_argument("--instructions", action="store_true", help="also count (c) in instructions (needs valgrind)")
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "qidong-bench", help="where to keep generated workbooks")
    args = ap.parse_args()
    reps = 3 if args.quick else 7
    many = 100 if args.quick else 1000
    work = args.dir
    # A folder per count: `check` audits the whole folder, which must hold the files the floor reads and no others
    # (a --quick run after a full one would otherwise audit 1,000 files against a read of 100).
    standard = work / ("standard" if many == 1000 else f"standard-{many}")
    files = write_workbooks(standard, many)
    one = str(files[0])
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; workbooks in {work}\n")
    # As installed by pip: byte-compiled modules, and the per-user data cache (qidong_audit/datacache.py) that
    # the first run fills. That first run is reported too.
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "qidong_audit")], check=True, stdout=subprocess.DEVNULL)
    cache = work / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    ENV["QIDONG_AUDIT_CACHE_DIR"] = str(cache)
    first = run(CLI + ["check", one, "-q", "-f", "json", "--jobs", "1"]).wall
    print(f"    first run, empty data cache: check one workbook {first:.3f} s")

    a, b, r = paired(CLI + ["check", one, "-q", "-f", "json", "--jobs", "1"],
                     [PY, "-c", f"import pandas as pd; pd.read_excel({one!r}, sheet_name=None, engine='openpyxl')"], reps)
    print(f"(a) check one workbook      {a:7.3f} s   pandas+openpyxl load only {b:7.3f} s   ratio {r:5.2f}  (goal ≤ 0.30)")

    a, b, r = paired(CLI + ["--help"], [PY, "-c", "import typer"], reps)
    print(f"(b) --help                  {a:7.3f} s   import typer              {b:7.3f} s   ratio {r:5.2f}  (goal ≤ 2.50)")

    listing = standard.with_name(standard.name + "-list.txt")
    listing.write_text("\n".join(str(p) for p in files), encoding="utf-8")
    script = work / "calamine_pool.py"
    script.write_text(CALAMINE_POOL, encoding="utf-8")
    folder = str(standard)
    wa, wb_, ratios, peaks, cpus = [], [], [], [], []
    for _ in range(reps if not args.quick else 2):  # this machine drifts: seven pairs steady the median ratio
        ra = run(CLI + ["check", folder, "-q", "-f", "json", "--jobs", "2"])
        rb = run([PY, str(script), str(listing)])
        wa.append(ra.wall)
        wb_.append(rb.wall)
        ratios.append(ra.wall / rb.wall)
        peaks.append(ra.peak)
        cpus.append((ra.cpu, rb.cpu))
    a, b, r = statistics.median(wa), statistics.median(wb_), statistics.median(ratios)
    print(f"(c) check {many} workbooks -j2 {a:7.3f} s   calamine-only pool read   {b:7.3f} s   ratio {r:5.2f}  (goal ≤ 4)")
    print(f"    {many / a:,.0f} workbooks/s; peak RSS of the largest process {max(peaks) / 1024:.0f} MiB (goal < 200)")
    # CPU seconds (all processes) drift less than wall time on a shared machine: the same comparison in CPU
    ca, cb = statistics.median(c for c, _ in cpus), statistics.median(c for _, c in cpus)
    print(f"    in CPU time: check {ca:6.2f} s ({ca / many * 1000:.2f} ms a workbook)   calamine-only {cb:5.2f} s   "
          f"ratio {statistics.median(c / f for c, f in cpus):5.2f}")
    if args.instructions:
        counted(files, work, script)
    # The same, over a county's worth of different departments: nothing the tool remembers between files of one
    # template (header layouts, parsed texts) makes identical copies cheaper than a real county's workbooks.
    varied_dir = work / ("varied" if many == 1000 else f"varied-{many}")
    varied = write_varied(varied_dir, many, 100)
    vlisting = varied_dir.with_name(varied_dir.name + "-list.txt")
    vlisting.write_text("\n".join(str(p) for p in varied), encoding="utf-8")
    wa, wb_, ratios = [], [], []
    for _ in range(reps if not args.quick else 2):  # as many pairs as the standard batch: two varied by ±10 %
        ta = run(CLI + ["check", str(varied_dir), "-q", "-f", "json", "--jobs", "2"]).wall
        tb = run([PY, str(script), str(vlisting)]).wall
        wa.append(ta)
        wb_.append(tb)
        ratios.append(ta / tb)
    a, b, r = statistics.median(wa), statistics.median(wb_), statistics.median(ratios)
    print(f"    {many} workbooks of 100 departments {a:6.3f} s   calamine-only {b:6.3f} s   ratio {r:5.2f}")

    print("(d) scaling")
    for n in (10, 100) if args.quick else (10, 100, 1000):
        sub = subset(work, files, n)
        t = statistics.median(run(CLI + ["check", str(sub), "-q", "-f", "json", "--jobs", "2"]).wall for _ in range(reps // 2 + 1))
        print(f"    {n:5d} files   {t:7.3f} s   {t / n * 1000:7.2f} ms per file")
    per_cell = {}
    for scale in (1, 10) if args.quick else (1, 10, 100):
        p = work / f"tall{scale}.xlsx"
        cells = write_tall(p, scale)
        base = statistics.median(run(CLI + ["--version"]).wall for _ in range(3))
        t = statistics.median(run(CLI + ["check", str(p), "-q", "-f", "json"]).wall for _ in range(reps // 2 + 1))
        per_cell[scale] = (t - base) / cells
        print(f"    {scale:3d}× rows   {cells:9,d} cells   {t:7.3f} s   {per_cell[scale] * 1e6:7.2f} µs per cell (start-up {base:.3f} s excluded)")
    top = max(per_cell)
    print(f"    per-cell cost at {top}× / 1×: {per_cell[top] / per_cell[1]:.2f}  (goal ≤ 1.5)")
    diagnose_time(work, files[0])


def subset(work: Path, files: list[Path], n: int) -> Path:
    """A folder holding the first n files (linked, not copied)."""
    sub = work / f"n{n}"
    sub.mkdir(exist_ok=True)
    for p in files[:n]:
        q = sub / p.name
        if not q.exists():
            os.link(p, q) if hasattr(os, "link") else shutil.copyfile(p, q)
    return sub


def counted(files: list[Path], work: Path, script: Path) -> None:
    """(c) in instructions: the batch of 60 standard workbooks minus the batch of 10, for `check --jobs 2` and for
    the calamine-only pool, every process of each run counted (valgrind follows forks). What a run does once —
    start-up, imports, the rule pack, the pool — cancels out; what is left is each workbook's share, the
    parent's included."""
    if shutil.which("valgrind") is None:
        print("    in instructions: valgrind is not installed (apt-get install valgrind)")
        return
    low, high = 10, 60
    run(CLI + ["check", str(subset(work, files, low)), "-q", "-f", "json"])  # the data cache filled, as for both runs
    per = {}
    for n in (low, high):
        sub = subset(work, files, n)
        listing = work / f"n{n}-list.txt"
        listing.write_text("\n".join(str(sub / p.name) for p in files[:n]), encoding="utf-8")
        per[n] = (_instructions(CLI + ["check", str(sub), "-q", "-f", "json", "--jobs", "2"]),
                  _instructions([PY, str(script), str(listing)]))
    check, floor = ((per[high][i] - per[low][i]) / (high - low) / 1e6 for i in (0, 1))
    print(f"    in instructions (callgrind, a workbook's share of a batch): check {check:6.1f} M   "
          f"calamine-only {floor:5.1f} M   ratio {check / floor:5.2f}")


def _instructions(cmd: list[str]) -> int:
    """Instructions executed by a whole run, its forked processes included."""
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env(), text=True, check=False)
    found = re.findall(r"^==\d+== Collected : (\d+)$", proc.stderr, re.MULTILINE)
    if proc.returncode not in (0, 1) or not found:
        raise SystemExit(f"failed under callgrind ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return sum(map(int, found))


def diagnose_time(work: Path, clean: Path) -> None:
    """(e) In-process: the audit of one workbook with a transposed figure, and the diagnosis part of it."""
    sys.path.insert(0, str(ROOT))
    import openpyxl

    from qidong_audit import diagnose
    from qidong_audit.audit import AuditOptions, audit_file, load_rules

    planted = work / "planted.xlsx"
    wb = openpyxl.load_workbook(clean)
    ws = wb["支出决算表"]
    ws["F9"] = float(str(ws["F9"].value).replace(".", "")[::-1][:2] + "." + "00") if ws["F9"].value else 12.34
    wb.save(planted)
    spent = []
    original = diagnose.diagnose

    def timed(relations):
        t = time.perf_counter()
        out = original(relations)
        spent.append(time.perf_counter() - t)
        return out

    diagnose.diagnose = timed
    try:
        options = AuditOptions()
        pack = load_rules(options)
        walls = []
        for _ in range(20):
            t = time.perf_counter()
            audit_file(str(planted), pack, options)
            walls.append(time.perf_counter() - t)
    finally:
        diagnose.diagnose = original
    print(f"(e) audit of one workbook in-process {statistics.median(walls) * 1000:6.1f} ms, "
          f"of which diagnosis {statistics.median(spent) * 1000:6.2f} ms (goal: well under 1 s)")


if __name__ == "__main__":
    main()
