"""Mutation testing of the core modules with mutmut: a measuring tool, not a CI gate.

    scripts/mutation [--jobs 1] [--sample N --seed S] [--resume] [--timeout 150] [--report] [--out build/mutation]

mutmut mutates only the modules in MODULES (one-token changes: flipped comparisons, off-by-one
numbers, removed arguments, swapped names, changed strings) and runs, for each mutant, the fast tests
in FAST_TESTS that cover the mutated function (no live Label Studio server; tests that run a command
in a subprocess are deselected: a subprocess imports the unmutated code and could not kill anything).
The work happens in ``<out>/work`` (a copy of src/, tests/ and the data the tests read), so the
checkout is never touched. Results::

    <out>/score.json    {"score": 0.93, "score_95ci": [0.88, 0.96] (sampled runs), "killed": ..., "survived": ...,
                         "no_tests": ..., "timeout": ..., "timeout_causes": {"SIGXCPU ...": n, ...},
                         "total": ..., "population": ..., "seconds": ...,
                         "tool": "mutmut 3.8.1", "by_module": {...}}
    <out>/survivors.md  every mutant that survived (or had no test), with its diff
    <out>/mutmut.log    mutmut's own output

score = (killed + timeout) / (total - skipped) over the mutants tested: a mutant no test covers counts as a
survivor. mutmut counts a timeout as a kill; ``timeout_causes`` says which were a limit reached (SIGXCPU)
and which the test runner raising (exit 255), and ``--resume`` re-tests timeouts with the current
``--timeout``, so a run that was only slowed by a loaded machine is not kept as a kill. The whole population (~3,700 mutants) takes hours on a shared 2-core machine; ``--sample N``
tests a seeded random sample and reports a 95% Wilson interval. ``--report`` rewrites the report from
the results so far (e.g. after an interrupted run).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Globs, so modules that move into packages during a refactor stay in scope.
MODULES = [
    "src/claimcorpus/segment.py", "src/claimcorpus/segment*/*.py",
    "src/claimcorpus/textio.py",
    "src/claimcorpus/validation/*.py",
    "src/claimcorpus/labelstudio/offsets.py", "src/claimcorpus/labelstudio/importer.py",
    "src/claimcorpus/tables.py", "src/claimcorpus/features.py",
    "src/claimcorpus/kinds.py", "src/claimcorpus/configs.py",  # the span-kind registry and release configs
    "src/claimcorpus/agreement.py",
]
# fnmatch's "*" crosses "/": validation/*.py also takes level4/. Level 4 is the Great Expectations engine (suites
# generated from schema/, run on pandas and Spark); its tests start GE and a JVM, minutes per mutant, and none is a
# fast test, so every mutant there was "no tests". It is guarded by other means: one fixture per code E401-E410
# and the pandas/Spark findings compared on the release and on every fixture (tests/test_gxspark.py).
NOT_MUTATED = ["src/claimcorpus/validation/level4/*"]
FAST_TESTS = [
    "tests/test_segment.py", "tests/test_textio.py", "tests/test_validate.py", "tests/test_validate_edges.py",
    "tests/test_labelstudio_offsets.py", "tests/test_labelstudio_import_errors.py",
    "tests/test_labelstudio_roundtrip.py", "tests/test_labelstudio_conll.py", "tests/test_agreement.py",
    "tests/test_build_rows.py", "tests/test_bench.py", "tests/test_kinds_registry.py",
]
SUBPROCESS = re.compile(r"\b(run_cli|CLAIMCORPUS|subprocess)\b")  # such a test runs unmutated code
# read by the tests through the checkout root (folders and files)
DATA = ["schema", "seeds", "annotations", "corpus", "benchmarks", "requirements.lock", ".claimcorpus"]
KILLED, TIMEOUT, SKIPPED, UNCHECKED = "killed", "timeout", "skipped", "not checked"
GENERATE_ONLY = "generate-only"  # a mutant name that matches nothing: mutmut generates, collects stats, stops
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


# Imported once by mutmut's fork server; claimcorpus itself is imported afresh in each mutant's process, so
# functools.cache results and tables built at import time (agreement.SPAN_TESTS) come from the mutant.
PRELOAD = ["pytest", "hypothesis", "numpy", "pandas", "pyarrow", "pyarrow.parquet", "datasets", "spacy",
           "spacy.lang.en", "spacy.training", "jsonschema", "jsonschema_rs", "referencing", "orjson", "pysbd",
           "sklearn.metrics", "krippendorff", "typer", "typer.testing", "rich", "yaml", "label_studio_sdk.converter",
           "label_studio_sdk.label_interface", "great_expectations"]


def timeout_lines(constant: float) -> list[str]:
    """mutmut's limits per mutant: wall = (estimate + constant) * 2 s, CPU = twice that (SIGXCPU: "timeout").

    mutmut's estimate counts test calls, not module fixtures (a repository ingested once per module), and the
    wall limit counts time spent waiting for a core: at load 12 one agreement test takes 97 s of wall time for
    under 1 s of estimate, so a small constant makes slow-but-correct runs "timeouts" that count as kills.
    """
    return [f"timeout_constant = {float(constant)}", "timeout_multiplier = 2.0"]


def mutmut_config(modules: list[str], tests: list[str], deselect: list[str], preload: Path,
                  timeout: float = 150.0) -> str:
    """The [tool.mutmut] table of the work folder's pyproject.toml."""
    def toml_list(xs: list[str]) -> str:
        return "[" + ", ".join(json.dumps(x) for x in xs) + "]"

    pytest_args = ["-p", "no:cacheprovider", "-q", "-x", *(a for d in deselect for a in ("--deselect", d))]

    return "\n".join([
        "[tool.mutmut]",
        'source_paths = ["src"]',
        f"only_mutate = {toml_list(modules)}",
        f"do_not_mutate = {toml_list(NOT_MUTATED)}",
        f"also_copy = {toml_list(DATA)}",
        f"pytest_add_cli_args = {toml_list(pytest_args)}",
        f"pytest_add_cli_args_test_selection = {toml_list(tests)}",
        "use_git_change_detection = false",
        'process_isolation = "forkserver"',
        'forkserver_warmup = "import"',
        f"preload_modules_file = {json.dumps(str(preload))}",
        *timeout_lines(timeout),
        "",
    ])


def prepare(work: Path, timeout: float) -> None:
    """A fresh copy of what the tests need, with a pyproject.toml that configures mutmut only."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for sub in ("src", "tests", *DATA):
        if (ROOT / sub).is_dir():
            shutil.copytree(ROOT / sub, work / sub, ignore=IGNORE)
        elif (ROOT / sub).is_file():
            shutil.copy2(ROOT / sub, work / sub)
    write_config(work, timeout)


def write_config(work: Path, timeout: float) -> None:
    """The work folder's pyproject.toml: the checkout's pytest table and this module's mutmut table."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    tables = re.split(r"(?m)^(?=\[)", pyproject)
    kept = [t for t in tables if t.startswith("[tool.pytest")]
    (work / "preload.txt").write_text("\n".join(PRELOAD) + "\n", encoding="utf-8")
    config = mutmut_config(MODULES, FAST_TESTS, subprocess_tests(ROOT, FAST_TESTS), work / "preload.txt", timeout)
    (work / "pyproject.toml").write_text("".join(kept) + "\n" + config, encoding="utf-8")


def mutmut(work: Path, *args: str, log=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # mutants/src must be the code imported
    exe = Path(sys.executable).with_name("mutmut")
    return subprocess.run([str(exe), *args], cwd=work, env=env, text=True, encoding="utf-8",
                          stdout=log or subprocess.PIPE, stderr=subprocess.STDOUT, check=False)


# One process reads every result and diff through mutmut's own modules (``mutmut results`` and
# ``mutmut show`` would start one process per survivor).
READ_RESULTS = """
import json, sys
from mutmut.configuration import config
from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code
from mutmut.utils.file_utils import walk_mutatable_files

config()
out = {}
for path in walk_mutatable_files():
    data = SourceFileMutationData(path=path)
    data.load()
    for name, code in data.exit_code_by_key.items():
        status = status_by_exit_code[code]
        diff = "" if status in ("killed", "skipped", "not checked") else get_diff_for_mutant(name, path=path)
        out[name] = {"status": status, "diff": diff, "exit_code": code}
json.dump(out, sys.stdout)
"""


def results(work: Path) -> dict[str, dict]:
    """Mutant name -> {"status": mutmut's status, "diff": the change (empty for killed mutants)}."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run([sys.executable, "-c", READ_RESULTS], cwd=work, env=env, capture_output=True, text=True,
                         encoding="utf-8", check=False)
    return json.loads(run.stdout) if run.returncode == 0 and run.stdout else {}


def module_of(mutant: str) -> str:
    """'claimcorpus.textio.x_dumps__mutmut_3' -> 'claimcorpus.textio'."""
    match = re.match(r"(.*?)\.x(?:_|\u01c1)", mutant)
    return match.group(1) if match else mutant


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of k successes in n trials (for a sampled score)."""
    if not n:
        return (0.0, 1.0)
    p, d = k / n, 1 + z * z / n
    mid, half = (p + z * z / (2 * n)) / d, z * ((p * (1 - p) + z * z / (4 * n)) / n) ** 0.5 / d
    return (round(mid - half, 4), round(mid + half, 4))


# What a mutmut "timeout" was, by the worker's exit code: only SIGXCPU is a limit reached (a hang, or a run slowed
# past the wall limit on a loaded machine); 255 is os._exit(-1) after the test runner itself raised.
TIMEOUT_CAUSE = {-24: "SIGXCPU (CPU or wall limit)", 24: "SIGXCPU (CPU or wall limit)",
                 152: "SIGXCPU (CPU or wall limit)", 36: "timeout", 255: "runner raised (exit 255, not a hang)"}


def summary(found: dict[str, str], seconds: float, tool: str, population: int,
            exit_codes: dict[str, int | None] | None = None) -> dict:
    """The score over the mutants that were tested (all of them, or a seeded sample)."""
    tested = {n: s for n, s in found.items() if s != UNCHECKED}
    causes = Counter(TIMEOUT_CAUSE.get((exit_codes or {}).get(n), "unknown") for n, s in tested.items()
                     if s == TIMEOUT)
    counts = Counter(tested.values())
    total = len(tested) - counts[SKIPPED]
    caught = counts[KILLED] + counts[TIMEOUT]
    by_module: dict[str, Counter] = {}
    for name, status in tested.items():
        by_module.setdefault(module_of(name), Counter())[status] += 1
    return {"tool": tool, "seconds": round(seconds, 1), "population": population, "total": total,
            "killed": counts[KILLED], "timeout": counts[TIMEOUT], "timeout_causes": dict(causes),
            "survived": counts["survived"],
            "no_tests": counts["no tests"],
            "other": {k: v for k, v in counts.items() if k not in (KILLED, TIMEOUT, "survived", "no tests")},
            "score": round(caught / total, 4) if total else None,
            "score_95ci": wilson(caught, total) if total < population else None,
            "by_module": {m: dict(c) for m, c in sorted(by_module.items())},
            "modules": MODULES, "tests": FAST_TESTS, "deselected": subprocess_tests(ROOT, FAST_TESTS)}


def survivors_md(found: dict[str, dict]) -> str:
    lines = ["# Surviving mutants", "", "Generated by scripts/mutation (tools/mutation.py); do not edit.", ""]
    for name, res in sorted(found.items()):
        if res["status"] not in (KILLED, TIMEOUT, SKIPPED, UNCHECKED):
            lines += [f"## {name} ({res['status']})", "", "```diff", res["diff"].strip(), "```", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "mutation")
    ap.add_argument("--jobs", type=int, default=1, help="mutants tested at once (default 1: a shared machine)")
    ap.add_argument("--sample", type=int, default=0,
                    help="test only N mutants drawn at random (seeded; with --resume: a new draw); 0: all")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--resume", action="store_true",
                    help="keep <out>/work and its results; copy tests/ again and re-test the mutants not killed "
                         "(survived, no tests, timeouts: a timeout on a loaded machine is not proof of a kill)")
    ap.add_argument("--timeout", type=float, default=150.0,
                    help="seconds added to mutmut's estimate before a mutant times out: wall limit = "
                         "(estimate + TIMEOUT) * 2 (default 150: module fixtures are not in the estimate, and a "
                         "loaded machine stretches wall time)")
    ap.add_argument("--report", action="store_true", help="only write the report from the results so far")
    ap.add_argument("mutants", nargs="*", help="with --resume: re-test only these mutant names")
    args = ap.parse_args(argv)
    work = args.out / "work"
    names = list(args.mutants)
    args.out.mkdir(parents=True, exist_ok=True)
    tool = "mutmut " + metadata.version("mutmut")
    start = time.monotonic()
    log = open(args.out / "mutmut.log", "a" if args.report else "w", encoding="utf-8")  # noqa: SIM115
    sample_file = work / "sample.json"
    if args.resume:  # the tests may have grown: copy them again, re-test what was not killed
        shutil.copytree(ROOT / "tests", work / "tests", dirs_exist_ok=True, ignore=IGNORE)
        # map tests to code again; without the old stats mutmut 3.8 also keeps every result when the config
        # changes (new FAST_TESTS, --timeout), instead of resetting the verdicts the change could affect
        (work / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
        write_config(work, args.timeout)
        drawn = set(json.loads(sample_file.read_text(encoding="utf-8"))) if sample_file.is_file() else None
        names = names or [n for n, r in results(work).items() if r["status"] not in (KILLED, SKIPPED) and
                          (r["status"] != UNCHECKED or (drawn is not None and n in drawn))]
    elif not args.report:
        prepare(work, args.timeout)
        if args.sample:
            mutmut(work, "run", GENERATE_ONLY, log=log)
    if args.sample and not args.mutants and not args.report:
        population = sorted(results(work))
        names = random.Random(args.seed).sample(population, min(args.sample, len(population)))
        sample_file.write_text(json.dumps(sorted(names)) + "\n", encoding="utf-8")
    ok = True
    if not args.report:
        ok = mutmut(work, "run", "--max-children", str(args.jobs), *names, log=log).returncode == 0
    log.close()
    seconds = time.monotonic() - start
    found = results(work)
    if sample_file.is_file():  # the score is over the sample only
        sample = set(json.loads(sample_file.read_text(encoding="utf-8")))
        population, found = len(found), {n: r for n, r in found.items() if n in sample}
    else:
        population = len(found)
    if not ok or not found:
        print(f"error: {args.out / 'mutmut.log'}: mutmut run failed. "
              "Fix: read the log's end; the clean test run must pass first", file=sys.stderr)
        return 1
    report = summary({n: r["status"] for n, r in found.items()}, seconds, tool, population,
                     {n: r.get("exit_code") for n, r in found.items()})
    (args.out / "score.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (args.out / "survivors.md").write_text(survivors_md(found), encoding="utf-8")
    ci = f", 95% CI {report['score_95ci'][0]:.1%}-{report['score_95ci'][1]:.1%}" if report["score_95ci"] else ""
    print(f"{tool}: score {report['score']:.1%}{ci} ({report['killed'] + report['timeout']} of {report['total']} "
          f"mutants caught ({report['timeout']} by timeout), {report['survived']} survived, "
          f"{report['no_tests']} without a test; "
          f"{population} mutants in all) in {seconds:.0f} s -> {args.out / 'score.json'}, {args.out / 'survivors.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
