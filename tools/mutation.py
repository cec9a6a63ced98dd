"""Mutation testing of the core modules with mutmut: a measuring tool, not a CI gate.

    scripts/mutation [--jobs 1] [--resume] [--out build/mutation]

mutmut mutates only the modules in MODULES (one-token changes: flipped comparisons, off-by-one
numbers, removed arguments, swapped names, changed strings) and runs, for each mutant, the fast tests
in FAST_TESTS that cover the mutated function (no live Label Studio server; tests that run a command
in a subprocess are deselected: a subprocess imports the unmutated code and could not kill anything). The work happens in ``<out>/work`` (a copy of src/, tests/ and the data the tests read), so
the checkout is never touched. Results::

    <out>/score.json    {"score": 0.93, "killed": ..., "survived": ..., "no_tests": ..., "timeout": ...,
                         "total": ..., "seconds": ..., "tool": "mutmut 3.8.1", "by_module": {...}}
    <out>/survivors.md  every mutant that survived (or had no test), with its diff
    <out>/mutmut.log    mutmut's own output

score = (killed + timeout) / (total - skipped): a mutant no test covers counts as a survivor.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Globs, so modules that move into packages during a refactor (validate.py -> validation/) stay in scope.
MODULES = [
    "src/claimcorpus/segment.py", "src/claimcorpus/fastcheck.py", "src/claimcorpus/segment*/*.py",
    "src/claimcorpus/textio.py",
    "src/claimcorpus/validate.py", "src/claimcorpus/validation/*.py",
    "src/claimcorpus/labelstudio/offsets.py", "src/claimcorpus/labelstudio/importer.py",
    "src/claimcorpus/tables.py", "src/claimcorpus/features.py",
    "src/claimcorpus/agreement.py",
]
FAST_TESTS = [
    "tests/test_segment.py", "tests/test_textio.py", "tests/test_validate.py", "tests/test_validate_edges.py",
    "tests/test_labelstudio_offsets.py", "tests/test_labelstudio_import_errors.py",
    "tests/test_labelstudio_roundtrip.py", "tests/test_labelstudio_conll.py", "tests/test_agreement.py",
    "tests/test_build_rows.py", "tests/test_bench.py",
]
SUBPROCESS = re.compile(r"\b(run_cli|CLAIMCORPUS|subprocess)\b")  # such a test runs unmutated code
DATA = ["schema", "seeds", "annotations", "benchmarks"]  # read by the tests through the checkout root
KILLED, TIMEOUT, SKIPPED = "killed", "timeout", "skipped"
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")


def subprocess_tests(root: Path, files: list[str]) -> list[str]:
    """Node ids of the test functions in ``files`` that run a command in a subprocess."""
    out = []
    for rel in files:
        source = (root / rel).read_text(encoding="utf-8")
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_") and \
                    SUBPROCESS.search(ast.get_source_segment(source, node) or ""):
                out.append(f"{rel}::{node.name}")
    return out


def mutmut_config(modules: list[str], tests: list[str], deselect: list[str]) -> str:
    """The [tool.mutmut] table of the work folder's pyproject.toml."""
    def toml_list(xs: list[str]) -> str:
        return "[" + ", ".join(json.dumps(x) for x in xs) + "]"

    pytest_args = ["-p", "no:cacheprovider", "-q", "-x", *(a for d in deselect for a in ("--deselect", d))]

    return "\n".join([
        "[tool.mutmut]",
        'source_paths = ["src"]',
        f"only_mutate = {toml_list(modules)}",
        f"also_copy = {toml_list(DATA)}",
        f"pytest_add_cli_args = {toml_list(pytest_args)}",
        f"pytest_add_cli_args_test_selection = {toml_list(tests)}",
        "use_git_change_detection = false",
        # mutmut's estimate counts test calls, not module fixtures (a release built once per module):
        # the CPU limit is (estimate + 30 s) * 2 * 2, so only a real hang is a timeout
        "timeout_constant = 30.0",
        "timeout_multiplier = 2.0",
        "",
    ])


def prepare(work: Path) -> None:
    """A fresh copy of what the tests need, with a pyproject.toml that configures mutmut only."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for sub in ("src", "tests", *DATA):
        if (ROOT / sub).is_dir():
            shutil.copytree(ROOT / sub, work / sub, ignore=IGNORE)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    tables = re.split(r"(?m)^(?=\[)", pyproject)
    kept = [t for t in tables if t.startswith("[tool.pytest")]
    config = mutmut_config(MODULES, FAST_TESTS, subprocess_tests(ROOT, FAST_TESTS))
    (work / "pyproject.toml").write_text("".join(kept) + "\n" + config, encoding="utf-8")


def mutmut(work: Path, *args: str, log=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # mutants/src must be the code imported
    exe = Path(sys.executable).with_name("mutmut")
    return subprocess.run([str(exe), *args], cwd=work, env=env, text=True, encoding="utf-8",
                          stdout=log or subprocess.PIPE, stderr=subprocess.STDOUT, check=False)


def statuses(work: Path) -> dict[str, str]:
    """Mutant name -> mutmut status, from ``mutmut results --all true``."""
    out = mutmut(work, "results", "--all", "true").stdout
    found = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name:
            found[name] = status
    return found


def module_of(mutant: str) -> str:
    """'claimcorpus.textio.x_dumps__mutmut_3' -> 'claimcorpus.textio'."""
    match = re.match(r"(.*?)\.x(?:_|\u01c1)", mutant)
    return match.group(1) if match else mutant


def summary(found: dict[str, str], seconds: float, tool: str) -> dict:
    counts = Counter(found.values())
    total = len(found) - counts[SKIPPED]
    caught = counts[KILLED] + counts[TIMEOUT]
    by_module: dict[str, Counter] = {}
    for name, status in found.items():
        by_module.setdefault(module_of(name), Counter())[status] += 1
    return {"tool": tool, "seconds": round(seconds, 1), "total": total, "killed": counts[KILLED],
            "timeout": counts[TIMEOUT], "survived": counts["survived"], "no_tests": counts["no tests"],
            "other": {k: v for k, v in counts.items() if k not in (KILLED, TIMEOUT, "survived", "no tests")},
            "score": round(caught / total, 4) if total else None,
            "by_module": {m: dict(c) for m, c in sorted(by_module.items())},
            "modules": MODULES, "tests": FAST_TESTS, "deselected": subprocess_tests(ROOT, FAST_TESTS)}


def survivors_md(work: Path, found: dict[str, str]) -> str:
    lines = ["# Surviving mutants", "", "Generated by scripts/mutation (tools/mutation.py); do not edit.", ""]
    for name, status in sorted(found.items()):
        if status in (KILLED, TIMEOUT, SKIPPED):
            continue
        diff = mutmut(work, "show", name).stdout.strip()
        lines += [f"## {name} ({status})", "", "```diff", diff, "```", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "mutation")
    ap.add_argument("--jobs", type=int, default=1, help="mutants tested at once (default 1: a shared machine)")
    ap.add_argument("--resume", action="store_true",
                    help="keep <out>/work and its results; copy tests/ again and re-test the mutants not killed")
    ap.add_argument("mutants", nargs="*", help="with --resume: re-test only these mutant names")
    args = ap.parse_args(argv)
    work = args.out / "work"
    names = list(args.mutants)
    if args.resume:  # the tests may have grown: copy them again, re-test what was not killed
        shutil.copytree(ROOT / "tests", work / "tests", dirs_exist_ok=True, ignore=IGNORE)
        names = names or [n for n, s in statuses(work).items() if s not in (KILLED, TIMEOUT, SKIPPED)]
    else:
        prepare(work)
    tool = "mutmut " + mutmut(work, "--version").stdout.strip().split()[-1]
    start = time.monotonic()
    with open(args.out / "mutmut.log", "w", encoding="utf-8") as log:
        run = mutmut(work, "run", "--max-children", str(args.jobs), *names, log=log)
    seconds = time.monotonic() - start
    found = statuses(work)
    if run.returncode != 0 or not found:
        print(f"error: {args.out / 'mutmut.log'}: mutmut run failed (exit {run.returncode}). "
              "Fix: read the log's end; the clean test run must pass first", file=sys.stderr)
        return 1
    report = summary(found, seconds, tool)
    (args.out / "score.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (args.out / "survivors.md").write_text(survivors_md(work, found), encoding="utf-8")
    print(f"{tool}: score {report['score']:.1%} ({report['killed'] + report['timeout']} of {report['total']} "
          f"mutants caught, {report['survived']} survived, {report['no_tests']} without a test) "
          f"in {seconds:.0f} s -> {args.out / 'score.json'}, {args.out / 'survivors.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
