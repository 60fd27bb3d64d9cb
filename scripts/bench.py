#!/usr/bin/env python3
"""Side-by-side process benchmarks: charm-reactive against charms.reactive 1.5.3.

Times whole processes, one run after another on the same machine:

* `reactive-replay` against the Python oracle (`run_reactive.py --log-mode inproc`)
  on chain and wide programs of 10, 100, 1000 and 5000 handlers, after checking
  that both give the same answer; with the predicate evaluations of each dispatch
  (`reactive-replay --stats`);
* the update-status hooks of the example sse-consumer under jujusim against those
  of the Python consumer of the fidelity test (tests/python-charm), both through
  jujusim's hook tools, with the hook-tool calls of each hook;
* a realistic charm's hooks, one process per hook, on one unit store
  (engine/examples/hook_loop.rs): the store's size after 100 and after 10,000
  hooks, and the time and peak RSS of those hook processes.

Prints a markdown report (median, min, max, ratio, CPU time, peak RSS) and, with
--out, writes it to a file. Times are wall-clock; CPU time is the child's user +
system time from wait4(). Peak RSS is GNU time's %M, from separate runs under
/usr/bin/time: a child spawned by this Python process would report Python's own
RSS (the kernel carries the parent's high-water mark across the exec).

    scripts/bench.py [--sizes 10,100,1000,5000] [--reps 21] [--py-reps 5]
                     [--hook-reps 3] [--growth-hooks 10000] [--out BENCH.md]

The oracle lives in ../shared/oracle (override with ORACLE_DIR); its venv in
$ORACLE_VENV (default .oracle-venv, built with the oracle's setup_venv.sh if
missing). The Python charm's venv is $PY_CHARM_VENV (default target/py-charm-venv,
built with tests/python-charm/make-venv.sh if missing).
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ORACLE = Path(os.environ.get("ORACLE_DIR", REPO.parent / "shared" / "oracle"))
VENV = Path(os.environ.get("ORACLE_VENV", REPO / ".oracle-venv"))
RELEASE = REPO / "target" / "release"
# The consumer application of both jujusim scenarios.
CONSUMER_APP = "con6"


def spawn_wait(cmd, env=None, stdout=os.devnull):
    """Runs cmd (stdout to a file, stderr discarded); returns (seconds, cpu seconds,
    ru_maxrss in KiB, exit code) of that child alone."""
    start = time.perf_counter()
    pid = os.posix_spawnp(str(cmd[0]), [str(c) for c in cmd], env if env is not None else os.environ,
                          file_actions=[(os.POSIX_SPAWN_OPEN, 1, str(stdout), os.O_WRONLY | os.O_TRUNC, 0),
                                        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def run_timed(cmd, env=None):
    """spawn_wait, failing the benchmark on a non-zero exit: (seconds, cpu seconds)."""
    elapsed, cpu, _, code = spawn_wait(cmd, env)
    if code != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed with {code}")
    return elapsed, cpu


def peak_rss_kib(cmd, env=None, runs=3):
    """The largest peak RSS of `runs` runs of cmd under GNU time, in KiB (0 without
    /usr/bin/time)."""
    if not Path("/usr/bin/time").exists():
        return 0
    peak = 0
    with tempfile.NamedTemporaryFile() as out:
        for _ in range(runs):
            subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out.name] + [str(c) for c in cmd], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            peak = max(peak, int(Path(out.name).read_text().split()[-1]))
    return peak


def stats(samples, rss_kib):
    times = [s[0] for s in samples]
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "cpu": statistics.median(s[1] for s in samples),
        "rss_kib": rss_kib,
        "n": len(samples),
    }


def fmt_s(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_mib(kib):
    return f"{kib / 1024:.1f} MiB"


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


# Loaded into the oracle's Python for its one untimed run per program: counts
# charms.reactive's handler tests (Handler.test calls), as --stats does ours.
# charmhelpers refuses to import on Debian; the oracle applies the same shim.
COUNT_TESTS = """
import atexit, sys
import charmhelpers.osplatform
charmhelpers.osplatform.get_platform = lambda: "ubuntu"
import charms.reactive.bus as bus
_test, _count = bus.Handler.test, [0]
def test(self):
    _count[0] += 1
    return _test(self)
bus.Handler.test = test
atexit.register(lambda: sys.stderr.write('{"tests": %d}\\n' % _count[0]))
"""


def bench_replay(sizes, reps, py_reps):
    replay = RELEASE / "reactive-replay"
    python = ensure_oracle()
    oracle_env = dict(os.environ, ORACLE_VENV=str(VENV))
    oracle = [python, ORACLE / "run_reactive.py", "--log-mode", "inproc", "--compact"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        counting = Path(tmp) / "count-tests"
        counting.mkdir()
        (counting / "sitecustomize.py").write_text(COUNT_TESTS)
        counting_env = dict(oracle_env, PYTHONPATH=os.pathsep.join(
            filter(None, [str(counting), os.environ.get("PYTHONPATH")])))
        for kind in ("chain", "wide"):
            for n in sizes:
                prog = program(kind, n, tmp)
                # Same answer first: the comparison is only fair if both did the same work.
                ran = subprocess.run([replay, "--compact", "--stats", prog], check=True, capture_output=True)
                ours = json.loads(ran.stdout)
                work = json.loads(ran.stderr)
                ran = subprocess.run(oracle + [prog], check=True, capture_output=True, env=counting_env)
                theirs = json.loads(ran.stdout)
                work["py_tests"] = json.loads(ran.stderr.decode().strip().splitlines()[-1])["tests"]
                for key in ("invoked", "final_flags", "tracer", "persisted_flags"):
                    if ours[key] != theirs[key]:
                        sys.exit(f"{kind} {n}: {key} differs between charm-reactive and charms.reactive")
                # Interleaved, so that a busy moment of the machine hits both sides.
                rs_samples, py_samples = [], []
                k = py_reps if n < 5000 else max(1, py_reps // 2)
                for i in range(max(reps, k)):
                    if i < reps:
                        rs_samples.append(run_timed([replay, "--compact", prog]))
                    if i < k:
                        py_samples.append(run_timed(oracle + [prog], env=oracle_env))
                rs = stats(rs_samples, peak_rss_kib([replay, "--compact", prog]))
                py = stats(py_samples, peak_rss_kib(oracle + [prog], env=oracle_env, runs=1))
                rows.append((f"{kind} {n}", len(ours["invoked"]), work, rs, py))
                print(f"  {kind} {n}: {fmt_s(rs['median'])} vs {fmt_s(py['median'])}", file=sys.stderr)
    return rows


def jujusim_hooks(scenario, env, reps):
    """The consumer's update-status hooks over `reps` runs of `scenario`."""
    jujusim = RELEASE / "jujusim"
    samples = []
    for _ in range(reps):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            _, _, _, code = spawn_wait([jujusim, "run", scenario, "--json"], env, stdout=out.name)
            if code != 0:
                sys.exit(f"jujusim run {scenario} failed with {code}")
            result = json.loads(Path(out.name).read_text())
        for unit in result["model"]["units"]:
            if unit["app"] != CONSUMER_APP:
                continue
            for h in unit["hooks"]:
                if h["hook"] == "update-status" and h["outcome"] == "ok":
                    samples.append((h["wall_us"] / 1e6, h["tool_calls"]))
    if not samples:
        sys.exit(f"{scenario}: no update-status hook of {CONSUMER_APP} ran")
    return samples


def bench_charm_hook(reps):
    """The update-status hooks of the Rust sse-consumer and of the Python consumer."""
    py_venv = os.environ.get("PY_CHARM_VENV") or subprocess.run(
        [REPO / "tests" / "python-charm" / "make-venv.sh"], check=True, capture_output=True, text=True
    ).stdout.strip()
    scenarios = [
        ("charm-reactive sse-consumer (Rust)", REPO / "examples" / "scenarios" / "bench-update-status.yaml", {}),
        ("charms.reactive consumer (Python)", REPO / "tests" / "python-charm" / "bench-update-status.yaml",
         {"PY_CHARM_VENV": py_venv}),
    ]
    rows = []
    for label, scenario, extra in scenarios:
        samples = jujusim_hooks(scenario, dict(os.environ, **extra), reps)
        rows.append((label, samples))
        print(f"  {label}: {fmt_s(statistics.median(s[0] for s in samples))}", file=sys.stderr)
    return rows


def bench_growth(hooks, segment_size, checkpoints=(100, 1000, 10000)):
    """`hooks` hook processes of hook_loop on one store: the store's size at each
    checkpoint, and the hook processes' times (the first hook, which creates the
    store, aside) and peak RSS (at each checkpoint, under GNU time)."""
    hook_loop = RELEASE / "examples" / "hook_loop"
    root = Path(tempfile.mkdtemp(prefix="bench-store-", dir=os.environ.get("BENCH_STORE_DIR")))
    store = root / "store"
    sizes, samples, rss = {}, [], 0
    try:
        cmd = [hook_loop, store, "--segment-size", str(segment_size)]
        for i in range(1, hooks + 1):
            if i in checkpoints:
                rss = max(rss, peak_rss_kib(cmd, runs=1))
            else:
                sample = run_timed(cmd)
                if i > 1:
                    samples.append(sample)
            if i in checkpoints or i == hooks:
                sizes[i] = sum(f.stat().st_size for f in store.rglob("*") if f.is_file())
    finally:
        shutil.rmtree(root)
    print(f"  store growth ({segment_size // 1024} KiB segments): {sizes}", file=sys.stderr)
    return sizes, stats(samples, rss)


def replay_table(rows):
    lines = [
        "| program | handlers run | handler tests: ours | theirs | charm-reactive median | min | max | CPU "
        "| peak RSS | charms.reactive median | min | max | CPU | peak RSS | ratio (medians) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, invoked, work, rs, py in rows:
        lines.append(
            f"| {name} | {invoked} | {work['tests']:,} | {work['py_tests']:,} | {fmt_s(rs['median'])} | "
            f"{fmt_s(rs['min'])} | "
            f"{fmt_s(rs['max'])} | {fmt_s(rs['cpu'])} | {fmt_mib(rs['rss_kib'])} | {fmt_s(py['median'])} | "
            f"{fmt_s(py['min'])} | {fmt_s(py['max'])} | {fmt_s(py['cpu'])} | {fmt_mib(py['rss_kib'])} | "
            f"{py['median'] / rs['median']:.0f}x |")
    return lines


def hook_table(rows):
    lines = ["| one `update-status` hook under jujusim | hooks | median | min | max "
             "| hook-tool calls per hook | of which juju-log | leader-get | leader-set |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, samples in rows:
        times = [s[0] for s in samples]
        calls = samples[len(samples) // 2][1]
        detail = ", ".join(f"{k} {v}" for k, v in sorted(calls.items())) or "none"
        lines.append(f"| {label} | {len(samples)} | {fmt_s(statistics.median(times))} | {fmt_s(min(times))} | "
                     f"{fmt_s(max(times))} | {sum(calls.values())} ({detail}) | "
                     f"{calls.get('juju-log', 0)} | {calls.get('leader-get', 0)} | {calls.get('leader-set', 0)} |")
    if len(rows) == 2:
        rust, py = (statistics.median(s[0] for s in r[1]) for r in rows)
        lines += ["", f"Ratio of the medians: {py / rust:.0f}x."]
    return lines


def growth_table(results):
    lines = ["| sled segment size | store after 100 hooks | after 1,000 | after 10,000 | 10,000 / 100 "
             "| hook process median | min | max | CPU | peak RSS |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for segment_size, (sizes, st) in results:
        last = max(sizes)
        ratio = sizes[last] / sizes[100] if 100 in sizes else float("nan")
        lines.append(f"| {segment_size // 1024} KiB | {sizes.get(100, 0):,} B | {sizes.get(1000, 0):,} B | "
                     f"{sizes[last]:,} B ({last} hooks) | {ratio:.2f}x | {fmt_s(st['median'])} | "
                     f"{fmt_s(st['min'])} | {fmt_s(st['max'])} | {fmt_s(st['cpu'])} | {fmt_mib(st['rss_kib'])} |")
    return lines


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(open("/proc/meminfo").readline().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    fs = subprocess.run(["df", "-T", tempfile.gettempdir()], capture_output=True, text=True).stdout.splitlines()
    fs = fs[-1].split()[1] if len(fs) > 1 else "unknown"
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}){mem}, "
            f"temporary files on {fs}, Python {platform.python_version()}")


def load():
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10,100,1000,5000")
    ap.add_argument("--reps", type=int, default=21, help="reactive-replay runs per program")
    ap.add_argument("--py-reps", type=int, default=5, help="oracle runs per program (half at 5000)")
    ap.add_argument("--hook-reps", type=int, default=3, help="jujusim runs per charm (12 update-status each)")
    ap.add_argument("--growth-hooks", type=int, default=10000, help="hook processes on one store (0: skip)")
    ap.add_argument("--skip", default="", help="comma-separated sections to skip: replay,hooks,growth")
    ap.add_argument("--out")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "charm-reactive", "--bin", "reactive-replay",
                    "--example", "hook_loop"], cwd=REPO, check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "charm-reactive-sim", "-p", "sse-consumer",
                    "-p", "sse-endpoint-mock"], cwd=REPO, check=True)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = load()
    text = [f"Measured {started} on {machine()}. Load average before: {load_before}."]
    if "replay" not in skip:
        rows = bench_replay([int(s) for s in args.sizes.split(",")], args.reps, args.py_reps)
        text += ["", "### One hook: reactive-replay against the charms.reactive oracle", ""] + replay_table(rows)
    if "hooks" not in skip:
        rows = bench_charm_hook(args.hook_reps)
        text += ["", "### One hook of a real charm under jujusim", ""] + hook_table(rows)
    if "growth" not in skip and args.growth_hooks:
        results = [(size, bench_growth(args.growth_hooks, size)) for size in (512 * 1024, 64 * 1024)]
        text += ["", f"### {args.growth_hooks:,} hook processes of a realistic charm on one store", ""]
        text += growth_table(results)
    text += ["", f"Load average after: {load()}."]
    out = "\n".join(text)
    print(out)
    if args.out:
        Path(args.out).write_text(out + "\n")


if __name__ == "__main__":
    main()
