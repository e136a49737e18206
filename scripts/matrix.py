"""The test matrix behind ``make test``: every leg, two at a time, and a table at the end.

Legs:

- **main**: the whole suite on the main interpreter (``.venv``);
- **Python 3.X**, for every other supported version: the probe, sandbox and lesson
  tests in ``.venv-3.X``. The interpreter is ``python3.X`` on the PATH, else a pyenv
  build (``$PYENV_ROOT/versions/3.X.*``), else (as root, with debootstrap or apt-get)
  Debian sid's ``python3.X`` (and bubblewrap) in a Debian root under
  ``~/.cache/asyncplay`` whose tests run in a chroot (scripts/in-chroot.sh). A version that cannot be had is a skipped leg
  with the reason;
- **as an ordinary user** (when run as root): the probe, sandbox and hostile tests
  through scripts/test-as-user.sh, with bubblewrap and without.

Legs run in parallel, as many at once as there are CPUs (at most 2: the lessons measure
stalls and lag, and more legs than cores make the machine, not the snippet, late); each
leg's output goes to ``.matrix/LEG.log`` and is printed when the leg fails; pytest's result
line of every run in a leg is printed as it ends, and the table counts each leg's tests. Exit status:
1 when a leg failed (skipped legs do not fail), else 0.

    .venv/bin/python scripts/matrix.py [--only main,3.12,user-bwrap,...] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / ".matrix"
SUPPORTED = ("3.11", "3.12", "3.13", "3.14")
#: What runs on the other Python versions (the whole suite runs on the main one).
VERSION_TESTS = ("tests/probe", "tests/sandbox/test_sandbox.py", "tests/lessons/test_shipped_lessons.py")
#: What runs as an ordinary user (item 4 of issue 13: the engine and the hostile cases).
USER_TESTS = ("tests/probe", "tests/sandbox")
DEBIAN_SUITE = "sid"
#: Installs into the tree (egg-info, build/) and debootstrap run one at a time.
_INSTALL_LOCK = threading.Lock()
_PRINT_LOCK = threading.Lock()


@dataclass
class Leg:
    """One line of the final table: what ran where, and how it ended."""

    name: str
    python: str
    user: str
    bwrap: str
    run: Callable[[Leg], None] | None = None
    status: str = "pending"  # passed | FAILED | skipped
    reason: str = ""
    seconds: float = 0.0
    log: Path = field(default_factory=Path)
    #: pytest's result lines ("812 passed, 3 skipped in 500.12s"), one per pytest run.
    results: list[str] = field(default_factory=list)

    def skip(self, reason: str) -> None:
        self.status, self.reason = "skipped", reason


class LegFailed(Exception):
    """A step of a leg failed; the message says which."""


def say(text: str) -> None:
    with _PRINT_LOCK:
        print(f"matrix: {text}", flush=True)


def version_of(python: str, prefix: list[str] | None = None) -> str | None:
    """``3.12.1`` for a working interpreter, else None."""
    try:
        out = subprocess.run(
            [*(prefix or []), python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True, text=True, timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


#: pytest's last line: "3 failed, 800 passed, 2 skipped in 512.33s (0:08:32)" (with or
#: without the ``=`` banner), or "no tests ran in 0.01s".
_PYTEST_RESULT = re.compile(
    r"^=*\s*((?:\d+ (?:passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?)"
    r"(?:, )?)+|no tests ran) in [\d.]+s\b.*?=*$")


def pytest_results(text: str) -> list[str]:
    """pytest's result lines in ``text``, without the ``=`` banner."""
    return [m.group(0).strip("= ") for line in text.splitlines()
            if (m := _PYTEST_RESULT.match(line.strip()))]


def count_tests(results: list[str]) -> str:
    """``"812 passed, 3 skipped"`` summed over a leg's pytest runs (warnings left out)."""
    totals: dict[str, int] = {}
    for line in results:
        for n, word in re.findall(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)", line):
            word = "error" if word.startswith("error") else word
            totals[word] = totals.get(word, 0) + int(n)
    return ", ".join(f"{n} {word}" for word, n in totals.items()) or "no tests ran"


def run_logged(leg: Leg, argv: list[str], what: str, env: dict[str, str] | None = None) -> int:
    """Run ``argv`` with its output appended to the leg's log; say pytest's result line."""
    with leg.log.open("a") as log:
        log.write(f"$ {' '.join(argv)}\n")
        log.flush()
        start = log.tell()
        rc = subprocess.run(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env=env, stdin=subprocess.DEVNULL).returncode
    if what in ("pytest", "test-as-user") and "--collect-only" not in argv:
        with leg.log.open(errors="replace") as log:
            log.seek(start)
            found = pytest_results(log.read())
        leg.results += found
        for line in found:
            say(f"{leg.name}: {line}")
    return rc


# -- where each Python comes from ----------------------------------------------------------


@dataclass
class Interpreter:
    """A CPython to test on: its path, and the chroot it needs (or None)."""

    path: str
    version: str
    chroot: Path | None = None

    def prefix(self) -> list[str]:
        return [] if self.chroot is None else [str(ROOT / "scripts" / "in-chroot.sh"), str(self.chroot)]

    def where(self) -> str:
        return self.path if self.chroot is None else f"Debian {DEBIAN_SUITE} chroot"


def _host_python(minor: str) -> tuple[Interpreter | None, list[str]]:
    """``python3.X`` on the PATH or a pyenv build; else None and where it was looked for."""
    looked: list[str] = []
    found = shutil.which(f"python{minor}")
    if found and (v := version_of(found)) and v.startswith(minor + "."):
        return Interpreter(found, v), looked
    looked.append(f"no python{minor} on the PATH")
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    builds = sorted(
        (p for p in pyenv.glob(f"{minor}.*") if re.fullmatch(rf"{re.escape(minor)}\.\d+", p.name)),
        key=lambda p: int(p.name.rsplit(".", 1)[1]), reverse=True,
    )
    for build in builds:
        exe = build / "bin" / f"python{minor}"
        if (v := version_of(str(exe))) is not None:
            return Interpreter(str(exe), v), looked
    looked.append(f"no pyenv build in {pyenv}")
    return None, looked


def _apt_mirror() -> list[str]:
    """The Debian mirror this machine's apt uses (none: debootstrap's own default)."""
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for source in sources:
        try:
            text = source.read_text(errors="replace")
        except OSError:
            continue
        for uri in re.findall(r"^(?:URIs:\s*|deb\s+(?:\[[^]]*\]\s+)?)(\S+)", text, re.MULTILINE):
            if uri.rstrip("/").endswith("/debian"):
                return [uri]
    return []


def _debian_python(minor: str, leg: Leg) -> tuple[Interpreter | None, str]:
    """Debian sid's python3.X in a Debian root (made once, kept in ~/.cache)."""
    if os.geteuid() != 0 or not sys.platform.startswith("linux"):
        return None, "a Debian root needs root on Linux"
    target = Path.home() / ".cache" / "asyncplay" / f"debian-{DEBIAN_SUITE}-python{minor}"
    done = target / ".asyncplay-complete"
    if not done.exists():
        with _INSTALL_LOCK:
            if shutil.which("debootstrap") is None and shutil.which("apt-get"):
                say(f"{leg.name}: installing debootstrap")
                run_logged(leg, ["sh", "-c", "apt-get update -qq; DEBIAN_FRONTEND=noninteractive "
                                 "apt-get install -y -qq debootstrap"], "apt-get")
            if shutil.which("debootstrap") is None:
                return None, "debootstrap is not installed and apt-get could not install it"
            say(f"{leg.name}: making a Debian {DEBIAN_SUITE} root with python{minor} in {target}")
            shutil.rmtree(target, ignore_errors=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            rc = run_logged(leg, ["debootstrap", "--variant=minbase",
                                  f"--include=python{minor},python{minor}-venv,bubblewrap",
                                  DEBIAN_SUITE, str(target), *_apt_mirror()], "debootstrap")
            if rc != 0:
                tail = leg.log.read_text(errors="replace").strip().splitlines()[-1:]
                return None, f"debootstrap {DEBIAN_SUITE} failed: {tail[0] if tail else rc}"
            done.touch()
    interp = Interpreter(f"/usr/bin/python{minor}", "", chroot=target)
    version = version_of(interp.path, interp.prefix())
    if version is None:
        return None, f"python{minor} does not run in the Debian root {target}"
    interp.version = version
    return interp, ""


def find_python(minor: str, leg: Leg) -> Interpreter | None:
    interp, looked = _host_python(minor)
    if interp is not None:
        return interp
    interp, why = _debian_python(minor, leg)
    if interp is None:
        leg.skip(f"Python {minor} not found: " + "; ".join([*looked, why]))
    return interp


# -- the legs ------------------------------------------------------------------------------


#: Every lesson's two variants: run on two workers (pytest-xdist), with their time.
LESSON_TESTS = "tests/lessons/test_shipped_lessons.py"


def main_leg(python: str) -> Leg:
    def run(leg: Leg) -> None:
        if run_logged(leg, [python, "-m", "pytest", "-q", f"--ignore={LESSON_TESTS}"],
                      "pytest") != 0:
            raise LegFailed("pytest failed")
        if run_logged(leg, [python, "-m", "pytest", "-q", "-n", "2", "--durations=5",
                            LESSON_TESTS], "pytest") != 0:
            raise LegFailed("pytest (lessons) failed")

    return Leg("main", version_of(python) or "?", "root" if os.geteuid() == 0 else "user",
               _bwrap_column(), run)


def _bwrap_column() -> str:
    return "both" if shutil.which("bwrap") else "no: bwrap not installed"


def version_leg(minor: str) -> Leg:
    """The probe, sandbox and lesson tests on Python ``minor``, in .venv-``minor``."""

    def run(leg: Leg) -> None:
        interp = find_python(minor, leg)
        if interp is None:
            return
        leg.python = f"{interp.version} ({interp.where()})"
        if interp.chroot is not None and not (interp.chroot / "usr" / "bin" / "bwrap").exists():
            leg.bwrap = "no: the Debian root has no bubblewrap"
        venv = f".venv-{minor}"
        stamp = ROOT / venv / ".installed"
        sources = [ROOT / "pyproject.toml", ROOT / "setup.py"]
        if not stamp.exists() or any(s.stat().st_mtime > stamp.stat().st_mtime for s in sources):
            with _INSTALL_LOCK:
                say(f"{leg.name}: installing asyncplay into {venv}")
                steps = [
                    ["sh", "scripts/make-venv.sh", interp.path, venv],
                    [f"{venv}/bin/pip", "install", "--quiet", "-e", ".[test]"],
                ]
                for step in steps:
                    if run_logged(leg, [*interp.prefix(), *step], step[0]) != 0:
                        raise LegFailed(f"set-up failed: {' '.join(step)}")
                stamp.touch()
        # benchmarks/overhead.py --versions runs this venv's Python where it lives
        marker = ROOT / venv / ".chroot"
        if interp.chroot is not None:
            marker.write_text(f"{interp.chroot}\n")
        else:
            marker.unlink(missing_ok=True)
        argv = [*interp.prefix(), f"{venv}/bin/python", "-m", "pytest", "-q",
                "-p", "no:cacheprovider", *VERSION_TESTS]
        if run_logged(leg, argv, "pytest") != 0:
            raise LegFailed("pytest failed")

    return Leg(f"python-{minor}", minor, "root" if os.geteuid() == 0 else "user",
               _bwrap_column(), run)


def user_leg(bwrap: str) -> Leg:
    """scripts/test-as-user.sh for one sandbox set-up (``on``: bubblewrap, ``off``)."""
    script = ROOT / "scripts" / "test-as-user.sh"

    def run(leg: Leg) -> None:
        if not script.exists():
            leg.skip(f"{script.relative_to(ROOT)} is missing")
            return
        with _INSTALL_LOCK:
            # Both user legs share the user's venv: the first one makes it (the script
            # makes it when missing; collecting the tests is all this run does).
            run_logged(leg, ["sh", str(script), "-q", "--collect-only", USER_TESTS[0]],
                       "test-as-user", dict(os.environ, BWRAP="off"))
        env = dict(os.environ, BWRAP=bwrap)
        rc = run_logged(leg, ["sh", str(script), "-q", *USER_TESTS], "test-as-user", env)
        lines = [line for line in leg.log.read_text(errors="replace").splitlines()
                 if line.startswith("test-as-user: user ")]
        verdict = lines[-1].split(": ", 1)[1] if lines else ""
        # "user NAME (uid N), Python 3.11.2, bwrap: passed in 12 s"
        m = re.match(r"(user \S+) .*?, Python ([^,\s]+), [\w-]+: (.*)", verdict)
        if m:
            leg.user, leg.python = m.group(1), m.group(2)
            if m.group(3).startswith("skipped: "):
                leg.skip(m.group(3)[len("skipped: "):])
                return
        if rc != 0:
            raise LegFailed(verdict or f"test-as-user.sh exited with {rc}")

    name = "user-bwrap" if bwrap == "on" else "user-no-bwrap"
    return Leg(name, "?", "an ordinary user", "yes" if bwrap == "on" else "no", run)


def all_legs(main_python: str) -> list[Leg]:
    main_version = version_of(main_python) or ""
    legs = [main_leg(main_python)]
    # The slowest to prepare first (3.14 may need a Debian root made).
    for minor in sorted(SUPPORTED, reverse=True):
        if not main_version.startswith(minor + "."):
            legs.append(version_leg(minor))
    if os.geteuid() == 0:
        legs += [user_leg("on"), user_leg("off")]
    return legs


def run_leg(leg: Leg) -> None:
    leg.log = LOGS / f"{leg.name}.log"
    leg.log.write_text("")
    say(f"{leg.name}: started")
    start = time.monotonic()
    try:
        assert leg.run is not None
        # tests moved without this list following them must fail loudly, not run nothing
        gone = [p for p in {*VERSION_TESTS, *USER_TESTS} if not (ROOT / p).exists()]
        if gone:
            raise LegFailed(f"no such test path: {', '.join(sorted(gone))} (scripts/matrix.py)")
        leg.run(leg)
        if leg.status == "pending":
            leg.status = "passed"
    except LegFailed as exc:
        leg.status, leg.reason = "FAILED", str(exc)
    except Exception as exc:  # a bug here must not hide the other legs' results
        leg.status, leg.reason = "FAILED", f"{type(exc).__name__}: {exc}"
    leg.seconds = time.monotonic() - start
    end = f"{leg.status}{': ' + leg.reason if leg.reason else ''} in {leg.seconds:.0f} s"
    if leg.status == "FAILED":
        with _PRINT_LOCK:
            print(f"\n===== {leg.name}: {leg.log} =====", flush=True)
            print(leg.log.read_text(errors="replace")[-60000:], flush=True)
    say(f"{leg.name}: {end}")


def run_all(legs: list[Leg], jobs: int) -> None:
    pending = list(legs)
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if not pending:
                    return
                leg = pending.pop(0)
            run_leg(leg)

    threads = [threading.Thread(target=worker) for _ in range(max(1, jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def table(legs: list[Leg], wall_s: float) -> str:
    rows = [("leg", "python", "user", "bwrap", "result", "tests", "time")]
    for leg in legs:
        result = leg.status + (f": {leg.reason}" if leg.reason else "")
        tests = count_tests(leg.results) if leg.results else "-"
        rows.append((leg.name, leg.python, leg.user, leg.bwrap, result, tests,
                     f"{leg.seconds:.0f} s"))
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r[:6], widths)) + "  " + r[6] for r in rows]
    every = [line for leg in legs for line in leg.results]
    return "\n".join(lines) + f"\n{len(legs)} legs in {wall_s:.0f} s: {count_tests(every)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="comma-separated leg names (main, python-3.12, user-bwrap, ...)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args()
    legs = all_legs(sys.executable)
    if args.only:
        wanted = args.only.split(",")
        unknown = set(wanted) - {leg.name for leg in legs}
        if unknown:
            parser.error(f"no such leg: {', '.join(sorted(unknown))} "
                         f"(legs: {', '.join(leg.name for leg in legs)})")
        legs = [leg for leg in legs if leg.name in wanted]
    LOGS.mkdir(exist_ok=True)
    start = time.monotonic()
    run_all(legs, args.jobs)
    print("\n" + table(legs, time.monotonic() - start), flush=True)
    return 1 if any(leg.status == "FAILED" for leg in legs) else 0


if __name__ == "__main__":
    sys.exit(main())
