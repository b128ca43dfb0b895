"""Benchmark: the Terraform provider against Terraform's built-in ``terraform_data``.

Starts the key service on SQLite, installs the provider into a temporary
filesystem mirror, and in one run, for N = 100 and N = 1000:

* applies N ``keyhouse_secret`` resources (creates), then plans them again with
  refresh (no changes: N refreshes through the service);
* does the same with N ``terraform_data`` resources, the floor: Terraform's own
  cost per resource, without a provider process or a service;
* plans both again without refresh: no call reaches the service, so what is left
  is the cost of the plugin protocol itself (gRPC over TLS to a Python process).

Prints wall seconds (and the CPU seconds of terraform and its provider
processes, steadier on a busy machine, split into Terraform's own and the
provider's), the ratios, and the provider's start-up time, from launch to the
handshake line Terraform waits for (wall, and CPU).
Goals at N = 1000: plan with refresh <= 1.5x the built-in (2x is the bar), apply
<= 1.5x; start-up <= 120 ms.

    .venv/bin/python bench/terraform.py [--counts 100,1000] [--plans 3] [--starts 20]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from keyhouse_provider.install import install  # noqa: E402
from tests.provider.harness.terraform import (  # noqa: E402
    TERRAFORM,
    Toolchain,
    Workspace,
    init_toolchain,
)
from tests.support.keyhouse_server import start_server  # noqa: E402

SECRETS = """
resource "keyhouse_secret" "s" {{
  count = {count}
  name  = "bench/{run}/${{count.index}}"
  value = "value ${{count.index}} of {count}"
}}
"""
BUILTIN = """
resource "terraform_data" "d" {{
  count = {count}
  input = "value ${{count.index}} of {count}"
}}
"""


@dataclass
class Timing:
    """Wall and CPU seconds of one terraform command (CPU: terraform and its providers),
    and the CPU seconds of the provider processes among them."""

    wall: float
    cpu: float
    providers: float = 0.0


_TICKS = os.sysconf("SC_CLK_TCK")


def _process_cpu(pid: int) -> tuple[int, float]:
    """A process's parent and the CPU seconds it has used so far (from /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()  # from the state on: state, ppid, ...
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def _children_cpu(parent: int, seen: dict[int, float]) -> None:
    """Record the CPU seconds so far of each process whose parent is ``parent``."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            ppid, cpu = _process_cpu(int(entry))
        except OSError:
            continue  # gone meanwhile
        if ppid == parent:
            seen[int(entry)] = max(cpu, seen.get(int(entry), 0.0))


def _timed(workspace: Workspace, *args: str) -> Timing:
    """Run terraform; its CPU seconds with its providers', and the providers' alone.

    The providers' share is sampled from /proc every 10 ms while they run, so each
    process's last few milliseconds may be missed (3 or 4 processes per command).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        [TERRAFORM, *args],
        cwd=workspace.directory,
        env=workspace.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    seen: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            _children_cpu(process.pid, seen)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate(timeout=900)
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    assert process.returncode == 0, output.decode(errors="replace")[-4000:]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu, sum(seen.values()))


def _median(timings: list[Timing]) -> Timing:
    return Timing(
        statistics.median(t.wall for t in timings),
        statistics.median(t.cpu for t in timings),
        statistics.median(t.providers for t in timings),
    )


def _measure(workspace: Workspace, configuration: str, plans: int) -> tuple[Timing, Timing, Timing]:
    """Apply (create) once, then plan ``plans`` times with refresh and without."""
    workspace.write(configuration)
    applied = _timed(workspace, "apply", "-auto-approve", "-no-color", "-input=false")
    plan = ("plan", "-no-color", "-input=false", "-detailed-exitcode")
    planned = _median([_timed(workspace, *plan) for _ in range(plans)])
    unrefreshed = _median([_timed(workspace, *plan, "-refresh=false") for _ in range(plans)])
    return applied, planned, unrefreshed


_INTERPRETER = (sys.executable, "-c", "print('1|6|unix|', flush=True)")
"""The floor for start-up: the same interpreter, started to print one line."""


def _startup(launcher: Path | tuple[str, ...], starts: int) -> tuple[list[float], list[float]]:
    """Wall seconds from launch to the handshake line, ``starts`` times, and the CPU
    seconds the process had used by then (steadier on a busy machine)."""
    command = [str(launcher)] if isinstance(launcher, Path) else list(launcher)
    times, cpu = [], []
    for _ in range(starts):
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert process.stdout is not None
        line = process.stdout.readline()
        times.append(time.perf_counter() - started)
        cpu.append(_process_cpu(process.pid)[1])
        process.kill()
        process.wait()
        assert line.startswith(b"1|6|unix|"), line
    return times, cpu


def _load() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def _row(name: str, ours: Timing, floor: Timing, goal: float | None) -> str:
    ratio = ours.wall / floor.wall
    if goal is None:
        verdict = "no goal: for comparison"
    else:
        verdict = f"goal <= {goal:g}x: " + ("met" if ratio <= goal else "NOT met")
    return (
        f"  {name:<20}{ours.wall:9.2f}{floor.wall:10.2f}{ratio:8.2f}x"
        f"{ours.cpu:10.2f}{floor.cpu:10.2f}{ours.cpu / floor.cpu:8.2f}x"
        f"   {verdict}"
    )


def _split(ours: Timing, floor: Timing) -> str:
    """Where the CPU went: Terraform itself, and the provider processes."""
    own, floor_own = ours.cpu - ours.providers, floor.cpu - floor.providers
    return (
        f"  {'':<20}CPU of terraform itself {own:.2f} against {floor_own:.2f} "
        f"({own / floor_own:.2f}x); keyhouse provider processes {ours.providers:.2f} "
        f"({floor.providers:.2f} beside the built-in: its one start for the schema)"
    )


def _bar(ours: Timing, floor: Timing, bar: float) -> str:
    return f"; bar <= {bar:g}x: " + ("met" if ours.wall / floor.wall <= bar else "NOT met")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--counts", default="100,1000", help="resource counts, comma-separated")
    parser.add_argument("--plans", type=int, default=3, help="plans per count (median)")
    parser.add_argument("--starts", type=int, default=20, help="provider start-ups to time")
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    directory = Path(tempfile.mkdtemp(prefix="keyhouse-bench-terraform-"))
    server = start_server("sqlite", f"sqlite:///{directory / 'keyhouse.db'}", directory / "svc")
    try:
        mirror = directory / "mirror"
        launcher = install(mirror)
        toolchain: Toolchain = init_toolchain(directory / "tf", mirror)
        print(f"terraform {TERRAFORM}; key service on SQLite at {server.url}")
        print(f"load average (1, 5, 15 min) at the start: {_load()} on {os.cpu_count()} CPUs")
        print(f"{'':22}{'keyhouse':>9}{'built-in':>10}{'ratio':>9}{'cpu kh':>10}{'cpu b-in':>10}")
        for count in counts:
            ours = Workspace(toolchain, directory / f"kh-{count}", server.url, server.admin_key)
            floor = Workspace(toolchain, directory / f"b-{count}", server.url, server.admin_key)
            kh = _measure(ours, SECRETS.format(count=count, run=count), args.plans)
            builtin = _measure(floor, BUILTIN.format(count=count), args.plans)
            print(f"N = {count}: wall seconds, then CPU seconds (terraform and providers)")
            print(_row("apply", kh[0], builtin[0], 1.5))
            print(_split(kh[0], builtin[0]))
            print(_row("plan", kh[1], builtin[1], 1.5) + _bar(kh[1], builtin[1], 2))
            print(_split(kh[1], builtin[1]))
            # Without refresh no call reaches the service: what is left is the plugin
            # protocol itself (gRPC over TLS to a Python process), for comparison.
            print(_row("plan -refresh=false", kh[2], builtin[2], None))
            print(_split(kh[2], builtin[2]))
        walls, cpus = _startup(launcher, args.starts)
        startups = sorted(walls)
        bare_walls, bare_cpus = _startup(_INTERPRETER, args.starts)
        interpreter = statistics.median(bare_walls) * 1000
        median = statistics.median(startups) * 1000
        p90 = startups[int(len(startups) * 0.9) - 1] * 1000
        verdict = "met" if median <= 120 else "NOT met"
        print(
            f"provider start-up to handshake: median {median:.0f} ms, p90 {p90:.0f} ms "
            f"over {len(startups)} starts (goal <= 120 ms: {verdict}); the same Python "
            f"printing one line: {interpreter:.0f} ms ({median / interpreter:.1f}x)"
        )
        print(
            f"  CPU to the handshake: median {statistics.median(cpus) * 1000:.0f} ms; "
            f"the same Python printing one line: {statistics.median(bare_cpus) * 1000:.0f} ms "
            f"(clock ticks of {1000 / _TICKS:.0f} ms)"
        )
        print(f"load average (1, 5, 15 min) at the end: {_load()}")
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
