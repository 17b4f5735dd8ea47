"""Mutation testing of the pure core (`src/jobmock/sim/`, `checker/lifecycle_checks.py`) with mutmut 3.

    scripts/mutation.sh [MODULE ...] [--no-run] [--sample N [--seed S]]

MODULE limits the run: `clock`, `sim/clock.py`, `sim.plans`, `lifecycle_checks`, or a mutmut mutant
name glob (`jobmock.sim.faults.x_*`). With none, every module of the pure core. `--no-run` only reads
the results of the last run (in `mutants/`) again. `--sample N` runs a random sample of N of the
mutants (seeded): `sim/fakedata.py`'s ~3,000 mutants, each running hundreds of tests, take hours
whole, so its score is estimated from a sample (±1.7 points at 90% for 300 mutants, one standard
error).

Prints one row per module: mutants, killed (by a failing test, a timeout or the type checker),
equivalent (survivors listed in `scripts/mutation_equivalents.txt`), and the score counting the
equivalents as killed. Exits 1 if a module is below 90%. The survivors not on the list are printed as
lines in the list's own format (`path:line  what changed  # why`), to be killed by a test or, when no
user could ever see the difference, added to the list with the reason.

mutmut is configured in pyproject.toml `[tool.mutmut]`; it works in a copy of the project in
`mutants/`, removed and made anew at each run (its caches do not notice every change of a test).
"""

from __future__ import annotations

import argparse
import difflib
import fnmatch
import os
import random
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "scripts" / "mutation_equivalents.txt"
CORE = ["jobmock.sim.*", "jobmock.checker.lifecycle_checks.*"]
THRESHOLD = 0.90
KILLED = {"killed", "timeout", "caught by type check", "segfault"}
SURVIVED = {"survived", "no tests"}

TOKEN = re.compile(r"""[rbfu]*"(?:[^"\\]|\\.)*"|[rbfu]*'(?:[^'\\]|\\.)*'|\w+|[<>=!]=|\*\*|//|->|\S""")


@dataclass
class Survivor:
    name: str
    path: str  # src/jobmock/sim/clock.py
    line: int
    change: str  # "<= → <"

    @property
    def location(self) -> str:
        return f"{self.path.removeprefix('src/jobmock/')}:{self.line}"


@dataclass
class Equivalent:
    location: str  # sim/faults.py:99
    change: str
    reason: str
    line_no: int  # in the equivalents file
    used: bool = False


@dataclass
class Module:
    path: str
    statuses: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    survivors: list[Survivor] = field(default_factory=list)
    equivalent: list[Survivor] = field(default_factory=list)


def module_glob(arg: str) -> str:
    """`clock`, `sim/clock.py`, `src/jobmock/sim/clock.py`, `sim.clock` -> `jobmock.sim.clock.*`."""
    if "*" in arg:
        return arg
    name = arg.removeprefix("src/").removeprefix("jobmock/").removeprefix("jobmock.").removesuffix(".py")
    name = name.replace("/", ".")
    if "." not in name:
        name = f"checker.{name}" if name == "lifecycle_checks" else f"sim.{name}"
    return f"jobmock.{name}.*"


def run_mutmut(globs: list[str], fresh: bool = True, refused: str = "") -> None:
    """mutmut run on the mutants `globs` name (in a new `mutants/` unless not `fresh`); a
    failure whose output holds `refused` is expected."""
    if fresh:
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    mutmut = Path(sys.executable).parent / "mutmut"
    children = os.environ.get("JOBMOCK_MUTATION_CHILDREN", "1")  # more on an idle machine
    command = ["nice", "-n", "19", str(mutmut), "run", "--max-children", children, *globs]
    print("$", " ".join(command), flush=True)
    # mutmut redraws a progress line; only its last lines are worth keeping
    log = ROOT / "mutants.log"
    with log.open("w") as out:
        done = subprocess.run(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0 and not (refused and refused in log.read_text()[-3000:]):
        print(log.read_text()[-3000:])
        sys.exit(f"mutmut run failed ({done.returncode}); its output is in {log}")


def sampled(globs: list[str], size: int, seed: int) -> list[str]:
    """A random sample of `size` of the mutants `globs` match: mutmut makes every mutant (and
    runs the tests once for its stats) with a name that matches none, then runs the sample."""
    run_mutmut(["jobmock.no-mutant-is-named-so"], refused="nothing matches")
    os.chdir(ROOT)
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.utils.file_utils import walk_mutatable_files

    names = []
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        names += [name for name in data.exit_code_by_key if any(fnmatch.fnmatch(name, g) for g in globs)]
    chosen = random.Random(seed).sample(sorted(names), min(size, len(names)))
    print(f"a random sample of {len(chosen)} of the {len(names)} mutants (seed {seed})", flush=True)
    return sorted(chosen)


def tokens(text: str) -> list[re.Match[str]]:
    return list(TOKEN.finditer(text))


def describe(removed: str, added: str) -> str:
    """The smallest run of tokens that differs: `chaos <= 0` vs `chaos < 0` -> `<= → <`."""
    old, new = tokens(removed), tokens(added)
    start = 0
    while start < min(len(old), len(new)) and old[start].group() == new[start].group():
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end].group() == new[-1 - end].group():
        end += 1

    def part(text: str, toks: list[re.Match[str]]) -> str:
        chosen = toks[start : len(toks) - end]
        return text[chosen[0].start() : chosen[-1].end()] if chosen else "∅"

    return f"{part(removed, old)} → {part(added, new)}"


def locate(path: str, before: str, after: str) -> tuple[int, str]:
    """The changed line in the original file, and what changed, from one function before and after."""
    old = [line.strip() for line in before.splitlines()]
    new = [line.strip() for line in after.splitlines()]
    _, i1, i2, j1, j2 = next(op for op in difflib.SequenceMatcher(a=old, b=new).get_opcodes() if op[0] != "equal")
    source = [line.strip() for line in (ROOT / path).read_text().splitlines()]
    first = next((n for n in range(len(source)) if source[n : n + len(old)] == old), None)
    # the first line replaced or removed, or the line an added one follows
    line = 0 if first is None else (first + i1 + 1 if i2 > i1 else first + max(i1, 1))
    return line, describe(" ".join(old[i1:i2]), " ".join(new[j1:j2]))


def collect(globs: list[str]) -> dict[str, Module]:
    os.chdir(ROOT)
    import libcst
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import (
        read_functions_from_index,
        read_mutant_function,
        read_mutants_module,
        read_original_function,
    )
    from mutmut.stats import status_by_exit_code
    from mutmut.utils.file_utils import walk_mutatable_files

    modules: dict[str, Module] = {}
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        for name, exit_code in data.exit_code_by_key.items():
            if not any(fnmatch.fnmatch(name, g) for g in globs):
                continue
            module = modules.setdefault(str(path), Module(str(path)))
            status = status_by_exit_code[exit_code]
            module.statuses[status] += 1
            if status in SURVIVED:  # "no tests" too: no test runs it
                functions = read_functions_from_index(name, path)
                if functions is None:
                    tree = read_mutants_module(path)
                    functions = (read_original_function(tree, name), read_mutant_function(tree, name))
                before, after = (libcst.Module([f]).code.strip() for f in functions)
                line, change = locate(str(path), before, after)
                module.survivors.append(Survivor(name, str(path), line, change))
    return modules


def read_equivalents() -> list[Equivalent]:
    found = []
    for number, raw in enumerate(EQUIVALENTS.read_text().splitlines(), start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        location, _, rest = text.partition(" ")
        change, _, reason = rest.strip().partition("  # ")
        if not reason.strip():
            sys.exit(f"{EQUIVALENTS.name}:{number}: no reason (`path:line  what changed  # why`)")
        found.append(Equivalent(location, " ".join(change.split()), reason.strip(), number))
    return found


def run(globs: list[str], args: argparse.Namespace) -> list[str]:
    """Run mutmut as the arguments ask; the globs (or sampled names) whose results to report."""
    sample = ROOT / "mutants" / "sample.txt"
    if args.sample and not args.no_run:
        globs = sampled(globs, args.sample, args.seed)
        sample.write_text("\n".join(globs) + "\n")
        run_mutmut(globs, fresh=False)
    elif args.sample:
        globs = sample.read_text().split()
    elif not args.no_run:
        run_mutmut(globs)
    return globs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help="modules or mutant name globs (default: the whole pure core)")
    parser.add_argument("--no-run", action="store_true", help="report the last run's results again")
    parser.add_argument(
        "--sample",
        type=int,
        default=0,
        metavar="N",
        help="run a random sample of N of the mutants (a module too big to run whole: the score is an estimate)",
    )
    parser.add_argument("--seed", type=int, default=0, help="the sample's seed (default 0)")
    args = parser.parse_args()
    globs = run([module_glob(m) for m in args.modules] or CORE, args)
    modules = collect(globs)
    if not modules:
        sys.exit(f"no mutants match {globs}")
    equivalents = read_equivalents()
    by_key = {(e.location, e.change): e for e in equivalents}

    rows = []
    totals = [0, 0, 0]
    below = []
    for path in sorted(modules):
        module = modules[path]
        for survivor in module.survivors:
            entry = by_key.get((survivor.location, " ".join(survivor.change.split())))
            if entry:
                entry.used = True
                module.equivalent.append(survivor)
        count = sum(module.statuses.values())
        killed = sum(n for status, n in module.statuses.items() if status in KILLED)
        equivalent = len(module.equivalent)
        score = (killed + equivalent) / count if count else 1.0
        if score < THRESHOLD:
            below.append(path)
        other = {s: n for s, n in module.statuses.items() if s not in KILLED | {"survived"}}
        note = ", ".join(f"{n} {s}" for s, n in sorted(other.items()))
        rows.append((path.removeprefix("src/jobmock/"), count, killed, equivalent, f"{score:.0%}", note))
        totals = [totals[0] + count, totals[1] + killed, totals[2] + equivalent]

    print()
    print("| module | mutants | killed | equivalent | score |")
    print("|---|---|---|---|---|")
    for name, count, killed, equivalent, score, note in rows:
        print(f"| `{name}` | {count} | {killed} | {equivalent} | {score}{' (' + note + ')' if note else ''} |")
    if len(rows) > 1:
        count, killed, equivalent = totals
        print(f"| total | {count} | {killed} | {equivalent} | {(killed + equivalent) / count:.0%} |")

    unlisted = [s for m in modules.values() for s in m.survivors if s not in m.equivalent]
    if unlisted:
        print(f"\nSurvivors not on {EQUIVALENTS.name} (`mutmut show NAME` shows one):")
        for s in sorted(unlisted, key=lambda s: (s.path, s.line)):
            print(f"{s.location}  {s.change}  # {s.name}")
    in_scope = {m.removeprefix("src/jobmock/") for m in modules}
    stale = [e for e in equivalents if not e.used and e.location.split(":")[0] in in_scope]
    if stale:
        print(f"\nOn {EQUIVALENTS.name} but no longer a survivor (killed now, or its line moved):")
        for e in stale:
            print(f"  line {e.line_no}: {e.location}  {e.change}")
    if below:
        print(f"\nBelow {THRESHOLD:.0%}: {', '.join(below)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
