"""Import refuses what it cannot trust, with one clear line, and writes nothing."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from claimcorpus.errors import CorpusError
from claimcorpus.labelstudio.importer import Report, import_export, read_export
from claimcorpus.labelstudio.tasks import export_tasks
from conftest import run_cli, tree
from ls_server import S_KYIV, add_hand_layer, make_own_repo


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    repo = make_own_repo(tmp_path_factory.mktemp("own") / "repo")
    add_hand_layer(repo)
    tasks = export_tasks(repo)  # the sentences of both documents, as Label Studio gives them back
    good = export_tasks(repo, review="hand")
    return repo, tasks, good


def kyiv(good: list[dict]) -> tuple[list[dict], dict]:
    tasks = copy.deepcopy(good)
    task = next(t for t in tasks if t["data"]["text"] == S_KYIV)
    return tasks, task["annotations"][0]


def item(ann: dict, from_name: str, n: int = 0) -> dict:
    return [r for r in ann["result"] if r.get("from_name") == from_name][n]


def task_of(tasks, ann) -> dict:
    return next(t for t in tasks if t["annotations"] and t["annotations"][0] is ann)


def edit_text(tasks, ann):
    task_of(tasks, ann)["data"]["text"] = S_KYIV.replace("may", "will")


def edit_hash(tasks, ann):
    task_of(tasks, ann)["data"]["text_sha256"] = "0" * 64


def unknown_label(tasks, ann):
    item(ann, "entity")["value"]["labels"] = ["CITY"]


def unknown_claim_type(tasks, ann):
    item(ann, "claim_type")["value"]["choices"] = ["rumour"]


def unknown_control(tasks, ann):
    ann["result"].append({"id": "x", "from_name": "sentiment", "to_name": "text", "type": "choices",
                          "value": {"choices": ["positive"]}})


def outside(tasks, ann):
    item(ann, "entity")["value"].update(start=70, end=90)


def empty_span(tasks, ann):
    item(ann, "entity")["value"].update(end=item(ann, "entity")["value"]["start"])


def slice_differs(tasks, ann):
    item(ann, "entity")["value"]["text"] = "Kiev"


def slice_with_a_space(tasks, ann):
    value = item(ann, "entity")["value"]
    value["text"] = " " + value["text"]  # same offsets: the text is no longer the slice, even if stripped it is


def no_scope(tasks, ann):
    ann["result"] = [r for r in ann["result"] if r.get("from_name") != "scope" and not (
        r.get("type") == "relation" and "s" in (r["from_id"][-1], r["to_id"][-1]) and r["from_id"][0] == "h")]


def scope_of_nothing(tasks, ann):
    e = next(r for r in ann["result"] if r.get("from_name") == "entity")
    ann["result"].append({**e, "id": "zz", "from_name": "scope", "value": {**e["value"], "labels": ["scope"]}})


def two_cues_one_scope(tasks, ann):
    h = next(r for r in ann["result"] if r.get("from_name") == "scope")
    ann["result"] = [r for r in ann["result"] if r.get("type") != "relation"]
    ann["result"].append({**h, "id": "zz", "from_name": "hedge", "value": {**h["value"], "labels": ["modal"]}})


def no_claim_type(tasks, ann):
    ann["result"] = [r for r in ann["result"] if r.get("from_name") != "claim_type"]


def mention_without_source(tasks, ann):
    ann["result"] = [r for r in ann["result"] if r.get("id") != "c0s" and not (
        r.get("type") == "relation" and r["from_id"] == "c0")]


def meaningless_relation(tasks, ann):
    ann["result"].append({"from_id": "e0", "to_id": "h0", "type": "relation", "direction": "right"})


def twice(tasks, ann):
    ann["completed_by"] = 5
    task_of(tasks, ann)["annotations"].append(copy.deepcopy(ann))


def foreign_task(tasks, ann):
    tasks.append({"data": {"text": "Hello."}, "annotations": []})


CASES = {
    "text-differs": (edit_text, f"task text differs .* differ at character {S_KYIV.index('may')}: "),  # where may -> will
    "hash-differs": (edit_hash, "task text_sha256 is '0000000000000000'"),
    "unknown-label": (unknown_label, "unknown entity label 'CITY'"),
    "unknown-claim-type": (unknown_claim_type, "unknown claim_type 'rumour'"),
    "unknown-control": (unknown_control, "unknown control 'sentiment'"),
    "span-outside": (outside, "outside the sentence text"),
    "span-empty": (empty_span, "outside the sentence text .* or empty"),
    "slice-differs": (slice_differs, "is not the sentence slice.*--offsets utf16"),
    "slice-with-a-space": (slice_with_a_space, "region text ' Kyiv' is not the sentence slice"),
    "hedge-without-scope": (no_scope, "hedge cue has no scope"),
    "scope-of-no-cue": (scope_of_nothing, "scope .* belongs to no hedge cue"),
    "two-cues-one-scope": (two_cues_one_scope, "have the same scope .* so which is whose is ambiguous"),
    "claim-without-type": (no_claim_type, "claim has no claim_type"),
    "mention-without-source": (mention_without_source, "source type 'mention' but no related source"),
    "meaningless-relation": (meaningless_relation, "means nothing here"),
    "two-annotations-one-annotator": (twice, "annotated this sentence twice"),
    "not-our-task": (foreign_task, "task data has no doc_id / sentence_id"),
}


@pytest.mark.parametrize("case", CASES)
def test_refused(pristine, case: str) -> None:
    repo, _, good = pristine
    tasks, ann = kyiv(good)
    change, message = CASES[case]
    change(tasks, ann)
    before = tree(repo.root)
    with pytest.raises(CorpusError, match=message) as err:
        import_export(repo, tasks, ["x"] if case != "two-annotations-one-annotator" else ["5=x", "-=y"])
    assert "\n" not in str(err.value) and "Fix: " in str(err.value)
    assert tree(repo.root) == before


def test_cli_says_one_line(pristine, tmp_path: Path) -> None:
    repo, _, good = pristine
    tasks, ann = kyiv(good)
    unknown_label(tasks, ann)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    res = run_cli("ls", "import", path, "--annotator", "x", "--root", repo.root)
    assert res.returncode == 1 and res.stdout == ""
    assert res.stderr.startswith("error: export.json task") and res.stderr.count("\n") == 1
    path.write_text("{not json", encoding="utf-8")
    res = run_cli("ls", "import", path, "--annotator", "x", "--root", repo.root)
    assert res.returncode == 1 and "not JSON" in res.stderr


def test_content_findings_are_written_and_reported(pristine, tmp_path: Path) -> None:
    repo, _, good = pristine
    tasks, ann = kyiv(good)
    ent = item(ann, "entity")
    ent["value"].update(start=ent["value"]["start"] - 1, text=" Kyiv")  # whitespace at an edge: E311
    # sentence flags ticked in an older config are ignored: flags follow the spans, so no E316/E317
    ann["result"].append({"id": "flags", "from_name": "flags", "to_name": "text", "type": "choices",
                          "value": {"choices": ["hedged"]}})
    report = import_export(repo, tasks, ["findings"])
    codes = sorted(f.split(": ")[1].split()[0] for f in report.findings)
    assert codes == ["E311"]
    res = run_cli("validate", "--root", repo.root)
    assert res.returncode == 1 and "E311" in res.stdout and "E317" not in res.stdout


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not JSON .*Fix: give the file from Label Studio's Export > JSON"),
    ('[{"data": {"text": "x"}}, 3]', "not a Label Studio JSON export .*Fix: export with the JSON format"),
    ('[{"id": 1, "text": "x"}]', "not a Label Studio JSON export"),  # JSON-MIN: fields at the top level
    (b"\xff[]", "not valid UTF-8 at byte 0"),
])
def test_read_export_refuses(tmp_path: Path, content, message: str) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(CorpusError, match=message) as err:
        read_export(path)
    assert str(err.value).startswith(f"{path}: ") and "\n" not in str(err.value)


def test_read_export_takes_a_list_or_one_task(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text('{"id": 7, "data": {"text": "Kyiv \u20ac"}}', encoding="utf-8")
    assert read_export(path) == [{"id": 7, "data": {"text": "Kyiv \u20ac"}}]
    path.write_text('[{"data": {}}, {"data": {"a": 1}}]', encoding="utf-8")
    assert read_export(path) == [{"data": {}}, {"data": {"a": 1}}]


def test_report_lines() -> None:
    report = Report(files=["a"], annotations={"x": 3}, cancelled=["task 1"], unannotated={"x/d": 2},
                    findings=["E311 at the edge"])
    assert report.lines() == [
        "imported 3 annotations into layer 'x'", "skipped cancelled annotation: task 1",
        "x/d: 2 sentences had no annotation (written as empty records)", "finding: E311 at the edge",
        "1 findings: fix them in Label Studio and pull again, or run `claimcorpus validate` for the details"]
    assert Report(annotations={"x": 0}).lines() == ["imported 0 annotations into layer 'x'"]
