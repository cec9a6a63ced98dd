"""Hypothesis fuzzing of the two inputs users hand us: layer records and Label Studio exports.

Any JSON value of any type may replace any field (deep nesting, huge numbers, NaN-free floats,
strings where objects belong). Whatever arrives, the command exits 0, or exits 1 with one
``error:`` line and leaves the repository byte-identical; it never shows a traceback.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimcorpus.labelstudio.tasks import export_tasks
from claimcorpus.layout import Repo
from conftest import BASE, tree
from test_hostile import cc

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
    st.sampled_from([0, 1, -1, 33.0, 2**63, "33", "", "base1", "../x", "GPE", "\n"]),
)
json_values = st.recursive(scalars, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                           st.dictionaries(st.text(max_size=8), kids, max_size=4)),
                           max_leaves=12)
# Deep nesting is spliced into the JSON text (a marker string stands in for it), so the test never builds it in Python.
deep = st.one_of(st.integers(min_value=2, max_value=1100), st.sampled_from([999, 1000, 1023, 1024, 1025, 10_000]))
values = st.one_of(json_values, deep.map(lambda n: f"\x00DEEP{n}"))


def dumps(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return re.sub(r'"\\u0000DEEP(\d+)"', lambda m: "[" * int(m[1]) + "]" * int(m[1]), text)


def _paths(value, prefix=()):
    """Every path (tuple of keys/indexes) into a JSON value."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


def _replace(doc, path, new):
    if not path:
        return new
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = new
    return doc


def _repo() -> tuple[Path, Path]:
    base = Path(tempfile.mkdtemp(prefix="claimcorpus-fuzz-"))
    shutil.copytree(BASE, base / "repo")
    (base / "out").mkdir()
    return base / "repo", base / "out"


def _one_line_or_success(code: int, out: str, err: str, before: dict, root: Path) -> None:
    assert "Traceback" not in out + err
    assert code in (0, 1), out + err
    if code == 1:
        assert err.startswith("error: ") and err.count("\n") == 1 and "Fix: " in err, err
    if code == 1 and before is not None:
        assert tree(root) == before


GOLD = [json.loads(x) for x in (BASE / "annotations" / "gold" / "base1.jsonl").read_text(encoding="utf-8").splitlines()]


@SETTINGS
@given(data=st.data(), new=values)
def test_fuzzed_layer_record(data, new) -> None:
    """A gold record with any field (or the record itself) replaced by any JSON value."""
    root, _ = _repo()
    try:
        records = json.loads(json.dumps(GOLD))
        line = data.draw(st.integers(0, len(records) - 1))
        path = data.draw(st.sampled_from(list(_paths(records[line]))))
        records[line] = _replace(records[line], path, new)
        (root / "annotations" / "gold" / "base1.jsonl").write_text("".join(dumps(r) + "\n" for r in records),
                                                                encoding="utf-8")
        before = tree(root)
        code, out, err = cc("validate", "--no-gx", cwd=root)
        _one_line_or_success(code, out, err, before, root)
        assert tree(root) == before  # validate never writes
    finally:
        shutil.rmtree(root.parent)


TASKS = None


def _tasks() -> list:
    global TASKS
    if TASKS is None:
        TASKS = export_tasks(Repo(BASE), review="gold")
    return json.loads(json.dumps(TASKS))


@SETTINGS
@given(data=st.data(), new=values)
def test_fuzzed_label_studio_export(data, new) -> None:
    """An exported task list with any value anywhere replaced by any JSON value, imported as a new layer."""
    root, out = _repo()
    try:
        tasks = _tasks()
        path = data.draw(st.sampled_from(list(_paths(tasks))))
        tasks = _replace(tasks, path, new)
        (out / "export.json").write_text(dumps(tasks), encoding="utf-8")
        before = tree(root)
        code, stdout, err = cc("ls", "import", out / "export.json", "--annotator", "fuzz", cwd=root)
        _one_line_or_success(code, stdout, err, before, root)
        if code == 0:  # imported whole: the new layer passes or fails validation with findings, never a crash
            assert (root / "annotations" / "fuzz" / "layer.json").is_file()
            code, stdout, err = cc("validate", "--no-gx", cwd=root)
            _one_line_or_success(code, stdout, err, None, root)
    finally:
        shutil.rmtree(root.parent)
