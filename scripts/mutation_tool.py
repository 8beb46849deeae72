"""Helpers for scripts/mutation.sh (mutation testing with mutmut).

Each path under test gets a work directory of its own (``.mutation/<slug>/``): a copy of the
code and the tests whose ``pyproject.toml`` mutates only that path. mutmut keeps its results
there, so a later run only re-checks what changed (and the survivors, after new tests).

Subcommands:
  prepare SLUG PATH...     copy the project into .mutation/SLUG, mutate only PATH...
  reset-survivors SLUG     mark survivors "not checked" so new tests get a chance to kill them
  report SLUG PATH...      list survivors and print the score lines

Equivalent mutants (no test can tell them from the original) are listed in
scripts/mutation-equivalents.txt: ``<mutant name> | <the mutated line> | <why>``. An entry
whose line no longer matches the mutant (the code changed) is ignored and reported as stale.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutation"
EQUIVALENTS = ROOT / "scripts" / "mutation-equivalents.txt"
COPY = [
    "mongocollectibles",
    "tests",
    "alembic",
    "alembic.ini",
    "rxconfig.py",
    "assets",
    "scripts",
    "deploy",
    ".ci",
    "pyproject.toml",
]
# Tests that drive the shop in other processes (a release, a provisioned droplet, a backup
# restored): no mutant they could catch is switched on there, and they take minutes each.
DEPLOYMENT_TESTS = [
    f"--ignore=tests/integration/{name}.py"
    for name in (
        "test_release",
        "test_provision",
        "test_backup_restore",
        "test_prestart_production",
    )
]
# The tests each path is checked against (mutmut then runs, per mutant, only those of them that
# reach the mutated function). Unit tests are fast; integration tests bring up databases.
TESTS_FOR = {
    "mongocollectibles/domain": ["tests/unit"],
    "mongocollectibles/settings.py": ["tests/unit"],
    # The client against the local PayMongo sandbox over real HTTP; the whole shop's HTTP
    # tests (test_payment_http.py) start servers per test and would take hours here.
    "mongocollectibles/payments": ["tests/unit", "tests/integration/test_paymongo_sandbox.py"],
    # The sandbox's own tests (tests/integration/test_paymongo_sandbox.py) reach no service;
    # the deployment tests run the shop in other processes, out of mutmut's sight.
    "mongocollectibles/services": [
        "tests/unit",
        "tests/integration",
        "--ignore=tests/integration/test_paymongo_sandbox.py",
        *DEPLOYMENT_TESTS,
    ],
    "mongocollectibles/api": ["tests/unit", "tests/integration", *DEPLOYMENT_TESTS],
}
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".web", "*.db", "*.db-*", "node_modules")

KILLED = {1, 3, 36, -24, 24, 152, 255, 37}  # test failure, pytest error, timeout, type check
TIMEOUT = {36, -24, 24, 152, 255}
TYPE_CHECK = 37  # mypy rejected the mutant (type_check_command in pyproject.toml): no test ran
NO_TESTS = {5, 33}


def slug_of(paths: list[str]) -> str:
    if len(paths) == 1:
        return re.sub(r"[^A-Za-z0-9]+", "-", paths[0].removeprefix("mongocollectibles/")).strip("-")
    return "changed"


def module_prefix(path: str) -> str:
    """mongocollectibles/services -> mongocollectibles.services. (mutant names start with it)"""
    p = path.rstrip("/").removesuffix(".py").replace("/", ".")
    return p + "."


def only_mutate_globs(paths: list[str]) -> list[str]:
    globs = []
    for p in paths:
        p = p.rstrip("/")
        globs.append(p if p.endswith(".py") else p + "/*")
    return globs


def tests_for(paths: list[str]) -> list[str]:
    selected: list[str] = []
    for path in paths:
        area = next(
            (
                tests
                for area, tests in TESTS_FOR.items()
                if path == area or path.startswith(area + "/")
            ),
            ["tests/unit", "tests/integration"],
        )
        selected += [t for t in area if t not in selected]
    return selected


def prepare(slug: str, paths: list[str]) -> Path:
    work = WORK / slug
    work.mkdir(parents=True, exist_ok=True)
    for name in COPY:
        src, dst = ROOT / name, work / name
        if not src.exists():
            continue
        if src.is_dir():
            if dst.exists():
                shutil.rmtree(dst)
            shutil.copytree(src, dst, ignore=IGNORE)
        else:
            shutil.copy2(src, dst)
    pyproject = (work / "pyproject.toml").read_text()
    start = pyproject.index("[tool.mutmut]")
    end = pyproject.find("\n[", start + 1)
    section = pyproject[start:] if end == -1 else pyproject[start:end]
    globs = ", ".join(json.dumps(g) for g in only_mutate_globs(paths))
    new = re.sub(r"only_mutate = \[.*?\]", f"only_mutate = [{globs}]", section, flags=re.S)
    if os.environ.get("MUTATION_SQLITE_ONLY") == "1":  # --sqlite-only: a quicker, partial check
        new = new.replace(
            "pytest_add_cli_args = [", 'pytest_add_cli_args = ["-m", "not postgres", ', 1
        )
    tests = ", ".join(json.dumps(t) for t in tests_for(paths))
    new = re.sub(
        r"pytest_add_cli_args_test_selection = \[.*?\]",
        f"pytest_add_cli_args_test_selection = [{tests}]",
        new,
        flags=re.S,
    )
    (work / "pyproject.toml").write_text(pyproject.replace(section, new))
    # The installed tools (e.g. the API docs' files, found from the code's own location): the
    # tests that use them see them from mutmut's copy too.
    tools = ROOT / ".tools"
    link = work / "mutants" / ".tools"
    if tools.exists() and not link.exists():
        link.parent.mkdir(exist_ok=True)
        link.symlink_to(tools.resolve())
    return work


def metas(slug: str) -> list[Path]:
    return sorted((WORK / slug / "mutants").rglob("*.py.meta"))


def reset_survivors(slug: str) -> int:
    n = 0
    for meta in metas(slug):
        data = json.loads(meta.read_text())
        codes = data["exit_code_by_key"]
        for key, code in codes.items():
            if code is not None and code not in KILLED:
                codes[key] = None
                n += 1
        meta.write_text(json.dumps(data, indent=4))
    return n


@dataclass
class Tally:
    killed: int = 0
    timeouts: int = 0
    by_type_check: int = 0
    equivalent: int = 0
    not_run: int = 0
    survivors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.killed + len(self.survivors)

    def line(self) -> str:
        pct = 100.0 * self.killed / self.total if self.total else 100.0
        return (
            f"{pct:.1f}% ({self.killed} of {self.total} killed, "
            f"{self.equivalent} equivalent excluded)"
        )


def load_equivalents() -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    if not EQUIVALENTS.exists():
        return found
    for raw in EQUIVALENTS.read_text().splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        # The mutated line may hold " | " itself: the name is before the first, the reason
        # after the last.
        name, rest = raw.split(" | ", 1)
        line, why = rest.rsplit(" | ", 1)
        name, line = name.strip(), line.strip()
        found[name] = (line, why)
    return found


def mutant_diff(work: Path, name: str, path: Path) -> str:
    here = os.getcwd()
    os.chdir(work)
    try:
        from mutmut.mutation.diff_apply import get_diff_for_mutant

        return get_diff_for_mutant(name, path=path)
    finally:
        os.chdir(here)


def changed_lines(diff: str) -> tuple[str, str]:
    minus = " / ".join(
        ln[1:].strip() for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("--")
    )
    plus = " / ".join(
        ln[1:].strip() for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("++")
    )
    return minus, plus


def collect(
    slug: str, paths: list[str], equivalents: dict[str, tuple[str, str]], used: set[str]
) -> dict[str, Tally]:
    work = WORK / slug
    per_path = {p: Tally() for p in paths}
    prefixes = {p: module_prefix(p) for p in paths}
    for meta in metas(slug):
        data = json.loads(meta.read_text())
        source = Path(str(meta.relative_to(work / "mutants")).removesuffix(".meta"))
        for name, code in sorted(data["exit_code_by_key"].items()):
            owner = next((p for p, pre in prefixes.items() if name.startswith(pre)), None)
            if owner is None:
                continue
            tally = per_path[owner]
            if code is None:
                tally.not_run += 1
            elif code in KILLED:
                tally.killed += 1
                tally.timeouts += code in TIMEOUT
                tally.by_type_check += code == TYPE_CHECK
            else:
                minus, plus = changed_lines(mutant_diff(work, name, source))
                known = equivalents.get(name)
                if known is not None and known[0] == plus:
                    tally.equivalent += 1
                    used.add(name)
                    continue
                why = "no test reaches it" if code in NO_TESTS else "survived"
                tally.survivors.append(f"{name} ({why})\n      - {minus}\n      + {plus}")
    return per_path


def report(groups: list[tuple[str, list[str]]]) -> int:
    """Survivors, one line per path, and the total last."""
    equivalents = load_equivalents()
    used: set[str] = set()
    per_path: dict[str, Tally] = {}
    for slug, paths in groups:
        per_path.update(collect(slug, paths, equivalents, used))
    grand = Tally()
    for tally in per_path.values():
        for survivor in tally.survivors:
            print(f"  survivor: {survivor}")
        grand.killed += tally.killed
        grand.timeouts += tally.timeouts
        grand.by_type_check += tally.by_type_check
        grand.equivalent += tally.equivalent
        grand.not_run += tally.not_run
        grand.survivors += tally.survivors
    prefixes = [module_prefix(p) for p in per_path]
    for name in equivalents:
        if name not in used and any(name.startswith(pre) for pre in prefixes):
            print(f"  note: equivalent entry matches no surviving mutant now: {name}")
    for path, tally in per_path.items():
        extra = f", {tally.by_type_check} by mypy" if tally.by_type_check else ""
        extra += f", {tally.timeouts} by timeout" if tally.timeouts else ""
        extra += f", {tally.not_run} NOT RUN" if tally.not_run else ""
        print(f"  {path}: {tally.line()}{extra}")
    if grand.not_run:
        print(f"warning: {grand.not_run} mutants not run (stopped early): the score is partial")
    print(f"mutation score: {grand.line()}")
    return 0


def main(argv: list[str]) -> int:
    command, *args = argv
    if command == "slug":
        print(slug_of(args))
        return 0
    if command == "prepare":
        print(prepare(args[0], args[1:]))
        return 0
    if command == "reset-survivors":
        print(reset_survivors(args[0]))
        return 0
    if command == "report":  # report SLUG PATH...: one group
        return report([(args[0], args[1:])])
    if command == "report-each":  # report-each PATH...: each path in its own work directory
        return report([(slug_of([p]), [p]) for p in args])
    raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
