#!/usr/bin/env python3
"""Side-by-side process benchmarks: charm-reactive against charms.reactive 1.5.3.

Times whole processes, one run after another on the same machine:

* `reactive-replay` against the Python oracle (`run_reactive.py --log-mode inproc`)
  on chain and wide programs of 10, 100, 1000 and 5000 handlers;
* one hook of a real example charm under jujusim against the same hook of the
  Python charm of the fidelity test (tests/python-charm), both through jujusim's
  hook tools.

Prints a markdown table (median, min, max, ratio, peak RSS) and, with --out,
writes it to a file. Peak RSS comes from wait4()'s ru_maxrss of each child.

    scripts/bench.py [--sizes 10,100,1000,5000] [--reps 7] [--py-reps 3] [--out BENCH.md]

The oracle lives in ../shared/oracle (override with ORACLE_DIR); its venv in
$ORACLE_VENV (default .oracle-venv, built with the oracle's setup_venv.sh if missing).
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ORACLE = Path(os.environ.get("ORACLE_DIR", REPO.parent / "shared" / "oracle"))
VENV = Path(os.environ.get("ORACLE_VENV", REPO / ".oracle-venv"))


def run_timed_rss(cmd, env=None):
    """Runs cmd, output discarded; returns (seconds, peak RSS in KiB) of that child alone."""
    start = time.perf_counter()
    pid = os.posix_spawnp(cmd[0], [str(c) for c in cmd], env if env is not None else os.environ,
                          file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                                        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed with {os.waitstatus_to_exitcode(status)}")
    return elapsed, usage.ru_maxrss


def stats(samples):
    times = [s[0] for s in samples]
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "rss_kib": max(s[1] for s in samples),
        "n": len(samples),
    }


def fmt_s(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def ensure_oracle():
    python = VENV / "bin" / "python"
    if not python.exists():
        env = dict(os.environ, ORACLE_VENV=str(VENV))
        subprocess.run([str(ORACLE / "setup_venv.sh")], check=True, env=env)
    return python


def program(kind, n, directory):
    path = Path(directory) / f"{kind}-{n}.json"
    subprocess.run([sys.executable, str(ORACLE / "gen_program.py"), f"--{kind}", str(n), "--out", str(path)],
                   check=True)
    return path


def bench_replay(sizes, reps, py_reps):
    replay = REPO / "target" / "release" / "reactive-replay"
    python = ensure_oracle()
    oracle_env = dict(os.environ, ORACLE_VENV=str(VENV))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("chain", "wide"):
            for n in sizes:
                prog = program(kind, n, tmp)
                # Same answer first: the comparison is only fair if both did the same work.
                ours = json.loads(subprocess.run([replay, "--compact", prog], check=True,
                                                 capture_output=True).stdout)
                theirs = json.loads(subprocess.run(
                    [python, ORACLE / "run_reactive.py", "--log-mode", "inproc", "--compact", prog],
                    check=True, capture_output=True, env=oracle_env).stdout)
                for key in ("invoked", "final_flags", "tracer", "persisted_flags"):
                    if ours[key] != theirs[key]:
                        sys.exit(f"{kind} {n}: {key} differs between charm-reactive and charms.reactive")
                rs = stats([run_timed_rss([replay, "--compact", prog]) for _ in range(reps)])
                k = py_reps if n < 5000 else 1
                py = stats([run_timed_rss([python, ORACLE / "run_reactive.py", "--log-mode", "inproc",
                                           "--compact", prog], env=oracle_env) for _ in range(k)])
                rows.append((f"{kind} {n}", len(ours["invoked"]), rs, py))
                print(f"  {kind} {n}: {fmt_s(rs['median'])} vs {fmt_s(py['median'])}", file=sys.stderr)
    return rows


def bench_charm_hook(reps):
    """The update-status hooks of an example charm and of the Python charm, under jujusim.

    jujusim records each hook process's real time and hook-tool calls; peak RSS is
    wait4()'s ru_maxrss of the jujusim run, the largest of jujusim and every hook
    process (and hook tool) it reaped."""
    jujusim = REPO / "target" / "release" / "jujusim"
    scenarios = [
        ("charm-reactive sse-consumer (Rust)", REPO / "examples" / "scenarios" / "bench-update-status.yaml", {}),
        ("charms.reactive sse-consumer (Python)", REPO / "tests" / "python-charm" / "bench-update-status.yaml",
         {"PY_CHARM_VENV": os.environ.get("PY_CHARM_VENV", str(REPO / "target" / "py-charm-venv"))}),
    ]
    rows = []
    for label, scenario, extra in scenarios:
        if not scenario.exists():
            print(f"  skip {label}: {scenario} missing", file=sys.stderr)
            continue
        env = dict(os.environ, **extra)
        samples, rss = [], 0
        for _ in range(reps):
            with tempfile.NamedTemporaryFile() as out:
                pid = os.posix_spawnp(str(jujusim), [str(jujusim), "run", str(scenario), "--json"], env,
                                      file_actions=[(os.POSIX_SPAWN_OPEN, 1, out.name, os.O_WRONLY, 0),
                                                    (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
                _, status, usage = os.wait4(pid, 0)
                if os.waitstatus_to_exitcode(status) != 0:
                    sys.exit(f"jujusim run {scenario} failed")
                result = json.loads(Path(out.name).read_text())
            rss = max(rss, usage.ru_maxrss)
            for unit in result["model"]["units"]:
                for h in unit["hooks"]:
                    if h["hook"] == "update-status" and h["outcome"] == "ok":
                        samples.append((h["wall_us"] / 1e6, sum(h["tool_calls"].values()), h["tool_calls"]))
        if not samples:
            sys.exit(f"{scenario}: no update-status hook ran")
        rows.append((label, samples, rss))
    return rows


def table(replay_rows, hook_rows):
    lines = [
        "| program | handlers run | charm-reactive median | min | max | peak RSS | charms.reactive median | min | max | peak RSS | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, invoked, rs, py in replay_rows:
        lines.append(
            f"| {name} | {invoked} | {fmt_s(rs['median'])} | {fmt_s(rs['min'])} | {fmt_s(rs['max'])} | "
            f"{rs['rss_kib'] / 1024:.1f} MiB | {fmt_s(py['median'])} | {fmt_s(py['min'])} | {fmt_s(py['max'])} | "
            f"{py['rss_kib'] / 1024:.1f} MiB | {py['median'] / rs['median']:.0f}x |")
    if hook_rows:
        lines += ["", "| one `update-status` hook under jujusim | hooks | median | min | max | peak RSS (whole run) | hook-tool calls per hook |",
                  "|---|---|---|---|---|---|---|"]
        for label, samples, rss in hook_rows:
            times = [s[0] for s in samples]
            calls = samples[len(samples) // 2][2]
            lines.append(f"| {label} | {len(samples)} | {fmt_s(statistics.median(times))} | {fmt_s(min(times))} | "
                         f"{fmt_s(max(times))} | {rss / 1024:.1f} MiB | "
                         f"{', '.join(f'{k} {v}' for k, v in sorted(calls.items())) or 'none'} |")
    return "\n".join(lines)


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.release()}, {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10,100,1000,5000")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--py-reps", type=int, default=3)
    ap.add_argument("--hook-reps", type=int, default=5)
    ap.add_argument("--out")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "--workspace", "--bins"], cwd=REPO, check=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    replay_rows = bench_replay(sizes, args.reps, args.py_reps)
    hook_rows = bench_charm_hook(args.hook_reps)
    text = f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine()}.\n\n" + table(replay_rows, hook_rows)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
