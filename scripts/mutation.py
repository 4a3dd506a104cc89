"""Mutation testing of companion/domain: do the unit tests notice when a rule is changed?

    .venv/bin/python scripts/mutation.py                 # fresh run of the whole domain (a few minutes)
    .venv/bin/python scripts/mutation.py 'companion.domain.reminder_plan*'   # one module, keeping earlier results
    .venv/bin/python scripts/mutation.py --no-run        # only judge the results of the last run

mutmut (configured in pyproject.toml, [tool.mutmut]) copies the project into ./mutants, makes small changes
("mutants") to the functions of companion/domain one at a time, and runs the tests of tests/unit that cover
each one. A mutant the tests fail on is killed; one they pass on survived: either a behaviour no test pins
down, or an equivalent mutant (a change nobody could observe, such as ``time(0, 0)`` -> ``time(0)``).

Equivalent mutants are listed in scripts/mutation_equivalents.txt, one a line:

    MUTANT NAME PATTERN | OLD ==> NEW | WHY IT IS EQUIVALENT

The pattern is matched against mutant names with fnmatch (mutmut's numbers change when the code changes, so
write ``...x_to_utc__mutmut_*``), and OLD ==> NEW against the mutant's changed lines (stripped; several lines
joined with " / "), as ``mutmut show NAME`` prints them; in OLD ==> NEW only ``*`` is special (any text).

Prints the kill rate (killed / all mutants, and killed / non-equivalent ones; a timeout counts as killed) and
exits 1 when a non-equivalent mutant survives (or was not tested) or when an allow-list entry matches no
surviving mutant any more (delete it), 2 when it cannot run. The process runs at nice 10 with two workers by
default: the machine is shared. Too slow for CI: run it by hand after changing a domain rule or its tests.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "scripts" / "mutation_equivalents.txt"
CAUGHT = {"killed", "timeout"}


@dataclass(frozen=True)
class Equivalent:
    line: int
    pattern: str
    mutation: str
    reason: str


def mutmut(*args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mutmut", *args], cwd=ROOT, text=True, check=False,  # noqa: S603
                          capture_output=capture)


def read_equivalents(path: Path) -> list[Equivalent]:
    entries = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pattern, _, rest = line.partition(" | ")
        mutation, _, reason = rest.rpartition(" | ")
        if not (pattern and mutation and reason.strip()) or " ==> " not in mutation:
            raise ValueError(f"{path.name}:{number}: expected 'PATTERN | OLD ==> NEW | WHY', got {line!r}")
        entries.append(Equivalent(number, pattern, mutation.strip(), reason.strip()))
    return entries


def read_results() -> dict[str, str]:
    """Every mutant of the last run and its status (killed, survived, timeout, no tests, ...)."""
    done = mutmut("results", "--all", "true", capture=True)
    if done.returncode != 0:
        raise RuntimeError(f"mutmut results failed: {done.stderr.strip()}")
    results = {}
    for line in done.stdout.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name.startswith("companion."):
            results[name] = status
    return results


def mutation_of(name: str) -> str:
    """The mutant's change as 'OLD ==> NEW', from the diff ``mutmut show`` prints."""
    diff = mutmut("show", name, capture=True).stdout.splitlines()
    old = [line[1:].strip() for line in diff if line.startswith("-") and not line.startswith("---")]
    new = [line[1:].strip() for line in diff if line.startswith("+") and not line.startswith("+++")]
    return f"{' / '.join(old)} ==> {' / '.join(new)}"


def _matches(mutation: str, wanted: str) -> bool:
    return re.fullmatch(".*".join(re.escape(part) for part in wanted.split("*")), mutation) is not None


def judge(results: dict[str, str], equivalents: list[Equivalent]) -> int:
    survivors = sorted(name for name, status in results.items() if status not in CAUGHT)
    explained: dict[str, Equivalent] = {}
    stale = []
    for entry in equivalents:
        candidates = [name for name in survivors
                      if results[name] == "survived" and fnmatch.fnmatchcase(name, entry.pattern)]
        matched = [name for name in candidates if _matches(mutation_of(name), entry.mutation)]
        if not matched:
            stale.append(entry)
        explained.update(dict.fromkeys(matched, entry))
    unexplained = [name for name in survivors if name not in explained]

    total = len(results)
    caught = sum(status in CAUGHT for status in results.values())
    relevant = total - len(explained)
    print(f"mutants: {total}, killed: {caught}, equivalent (allow-listed): {len(explained)}, "
          f"not killed: {len(unexplained)}")
    if total:
        print(f"kill rate: {caught / total:.1%} of all mutants, "
              f"{caught / relevant if relevant else 1:.1%} of the non-equivalent ones")
    for name in unexplained:
        print(f"NOT KILLED ({results[name]}): {name}   (mutmut show {name})")
    for entry in stale:
        print(f"STALE allow-list entry, line {entry.line}: {entry.pattern} | {entry.mutation}")
    return 1 if unexplained or stale else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="mutant name patterns to (re)run, e.g. 'companion.domain.phq*'; "
                                                 "earlier results are kept")
    parser.add_argument("--no-run", action="store_true", help="judge the results of the last run only")
    parser.add_argument("--max-children", type=int, default=2, help="parallel test workers (default 2)")
    args = parser.parse_args(argv)
    try:
        equivalents = read_equivalents(EQUIVALENTS)
    except (OSError, ValueError) as error:
        print(f"mutation: {error}", file=sys.stderr)
        return 2
    if not args.no_run:
        os.nice(10)  # the workers inherit it
        if not args.names:  # a full run starts afresh: results cached by mutmut may predate new tests
            shutil.rmtree(ROOT / "mutants", ignore_errors=True)
        if mutmut("run", "--max-children", str(args.max_children), *args.names).returncode != 0:
            print("mutation: mutmut run failed (do the tests in tests/unit pass?)", file=sys.stderr)
            return 2
    try:
        results = read_results()
    except RuntimeError as error:
        print(f"mutation: {error}", file=sys.stderr)
        return 2
    if not results:
        print("mutation: no results: run without --no-run first", file=sys.stderr)
        return 2
    return judge(results, equivalents)


if __name__ == "__main__":
    sys.exit(main())
