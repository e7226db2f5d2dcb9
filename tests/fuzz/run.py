"""Fuzz campaigns: mutated workbooks through the real CLI, checking that each gives a valid audit or exit 2 naming
the file — never a traceback, never a hang, never a changed input.

    python -m tests.fuzz.run --cases 10000 --workers 2 --out /tmp/fuzz     # a long campaign
    python -m tests.fuzz.run --replay 4711 --out /tmp/fuzz                  # one case again, in this process

Each worker is a separate process running cases in-process through typer's CliRunner; the parent gives every case
a deadline and replaces a worker that hangs or dies, recording that case as "hang" or "crash". Results go to
OUT/results.jsonl (one line per case), failing inputs to OUT/failures/, and a summary to stdout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import select
import subprocess
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

from tests.fuzz.mutate import mutate, seeds

OUTCOMES_OK = ("audited", "refused")
_EXTENSIONS = (".xlsx", ".xls", ".xlsb", ".ods", ".csv", ".html", ".xml")
_COMMANDS = ("check-json", "check-json", "check-json", "check-table", "inspect-json")


def build_case(case: int, seed: int, seed_files: list[Path]) -> tuple[Path, bytes, list[str], str]:
    """The input of one case: (seed file, mutated bytes, mutation names, file extension). Deterministic."""
    rng = random.Random(f"{seed}:{case}")
    source = rng.choice(seed_files)
    data, names = mutate(source.read_bytes(), rng)
    ext = source.suffix if rng.random() < 0.85 else rng.choice(_EXTENSIONS)
    return source, data, names, ext


def run_case(case: int, seed: int, seed_files: list[Path], work: Path, keep: Path | None = None) -> dict:
    """Run one case in this process and judge it. Never raises for a finding about the tool."""
    from typer.testing import CliRunner

    from qidong_audit.cli import app

    source, data, names, ext = build_case(case, seed, seed_files)
    command = random.Random(f"{seed}:{case}:command").choice(_COMMANDS)
    path = work / f"case-{case}{ext}"
    path.write_bytes(data)
    before = hashlib.sha256(data).hexdigest()
    args = {"check-json": ["check", str(path), "-f", "json"], "check-table": ["check", str(path)],
            "inspect-json": ["inspect", str(path), "-f", "json"]}[command]
    start = time.monotonic()
    result = CliRunner().invoke(app, args)
    seconds = round(time.monotonic() - start, 3)
    outcome, detail = _judge(result, path, command)
    if hashlib.sha256(path.read_bytes()).hexdigest() != before:
        outcome, detail = "changed", "the input file was modified"
    record = {"case": case, "seed_file": source.name, "mutations": names, "command": command,
              "exit": result.exit_code, "outcome": outcome, "seconds": seconds, "bytes": len(data)}
    if detail:
        record["detail"] = detail[-3000:]
    if outcome == "refused":  # why, without the path: for the tally of refusal reasons
        line = next((ln for ln in result.stderr.splitlines() if path.name in ln), "")
        record["reason"] = line.split(path.name, 1)[-1].lstrip("：: ")[:120]
    if outcome not in OUTCOMES_OK and keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        (keep / path.name).write_bytes(data)
    path.unlink(missing_ok=True)
    return record


def _judge(result, path: Path, command: str) -> tuple[str, str]:
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return "traceback", "".join(traceback.format_exception(*result.exc_info))
    out, err = result.stdout, result.stderr
    if "Traceback" in out + err:
        return "traceback", err
    if result.exit_code not in (0, 1, 2):
        return "bad-exit", err
    if command.endswith("json"):
        try:
            doc = json.loads(out)
        except ValueError as exc:
            return "bad-output", f"stdout is not JSON: {exc}"
        entries = doc.get("files", [])
        if len(entries) != 1 or entries[0].get("path") != str(path):
            return "bad-output", "the report does not list the file"
        error = entries[0].get("error")
        if error and result.exit_code != 2:
            return "bad-exit", f"unreadable file but exit {result.exit_code}"
    if result.exit_code == 2:
        if path.name not in err:
            return "unnamed", err
        return "refused", ""
    return "audited", ""


# ── Campaign: workers in separate processes, with deadlines ──────────────────────────────────────────────────

class _Worker:
    def __init__(self, seed: int, out: Path):
        env = {**os.environ, "QIDONG_AUDIT_READ_TIMEOUT_S": os.environ.get("QIDONG_AUDIT_READ_TIMEOUT_S", "30")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fuzz.run", "--worker", "--seed", str(seed), "--out", str(out)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
            cwd=Path(__file__).resolve().parents[2],
        )
        self.case: int | None = None
        self.started = 0.0
        self.buffer = b""

    def send(self, case: int) -> None:
        self.case, self.started = case, time.monotonic()
        self.proc.stdin.write(f"{case}\n".encode())
        self.proc.stdin.flush()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()


def campaign(cases: int, workers: int, seed: int, out: Path, timeout: float, first: int = 0) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    seeds(out / "seeds")
    results = (out / "results.jsonl").open("a", encoding="utf-8")
    pending = list(range(first, first + cases))[::-1]
    pool = [_Worker(seed, out) for _ in range(max(1, workers))]
    counts: Counter = Counter()
    slowest = 0.0
    start = time.monotonic()
    try:
        while pending or any(w.case is not None for w in pool):
            for w in pool:
                if w.case is None and pending:
                    w.send(pending.pop())
            busy = {w.proc.stdout.fileno(): w for w in pool if w.case is not None}
            ready, _, _ = select.select(list(busy), [], [], 1.0)
            for fd in ready:
                w = busy[fd]
                chunk = os.read(fd, 1 << 16)
                if not chunk:  # the worker died mid-case
                    code = w.proc.wait()
                    record = {"case": w.case, "outcome": "crash", "detail": f"worker exited with {code}"}
                    pool[pool.index(w)] = _replace(w, seed, out)
                else:
                    w.buffer += chunk
                    if b"\n" not in w.buffer:
                        continue
                    line, w.buffer = w.buffer.split(b"\n", 1)
                    record = json.loads(line)
                    w.case = None
                counts[record["outcome"]] += 1
                slowest = max(slowest, record.get("seconds", 0.0))
                results.write(json.dumps(record, ensure_ascii=False) + "\n")
            now = time.monotonic()
            for i, w in enumerate(pool):
                if w.case is not None and now - w.started > timeout:
                    record = {"case": w.case, "outcome": "hang", "detail": f"no result after {timeout:g} s"}
                    counts["hang"] += 1
                    results.write(json.dumps(record, ensure_ascii=False) + "\n")
                    pool[i] = _replace(w, seed, out)
            results.flush()
    finally:
        for w in pool:
            w.kill()
        results.close()
    summary = {"cases": cases, "first": first, "seed": seed, "workers": workers, "outcomes": dict(counts),
               "failures": sum(n for k, n in counts.items() if k not in OUTCOMES_OK),
               "slowest_case_s": slowest, "wall_s": round(time.monotonic() - start, 1)}
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return summary


def _replace(worker: _Worker, seed: int, out: Path) -> _Worker:
    worker.kill()
    return _Worker(seed, out)


def _serve(seed: int, out: Path) -> None:
    """Worker loop: case numbers in on stdin, one JSON result line out per case. The protocol keeps its own copy
    of stdout; fd 1 itself goes to /dev/null so that nothing written below Python can corrupt it."""
    import resource

    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (6 << 30 if hard == resource.RLIM_INFINITY else min(6 << 30, hard), hard))
    seed_files = seeds(out / "seeds")
    work = out / "work" / str(os.getpid())
    work.mkdir(parents=True, exist_ok=True)
    for line in sys.stdin:
        record = run_case(int(line), seed, seed_files, work, out / "failures")
        protocol.write(json.dumps(record, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--first", type=int, default=0, help="number of the first case (to continue a campaign)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a case may take before it is a hang")
    parser.add_argument("--out", type=Path, default=Path("fuzz-out"))
    parser.add_argument("--replay", type=int, help="run this one case here and print its record")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _serve(args.seed, args.out)
        return 0
    if args.replay is not None:
        work = args.out / "replay"
        work.mkdir(parents=True, exist_ok=True)
        record = run_case(args.replay, args.seed, seeds(args.out / "seeds"), work, args.out / "failures")
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return 0 if record["outcome"] in OUTCOMES_OK else 1
    summary = campaign(args.cases, args.workers, args.seed, args.out, args.timeout, args.first)
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0 if summary["failures"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
