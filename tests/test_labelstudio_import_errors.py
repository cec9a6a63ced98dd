"""Import refuses what it cannot trust, with one clear line, and writes nothing."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from claimcorpus.errors import CorpusError
from claimcorpus.labelstudio.importer import Report, collect, import_export, read_export
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


def with_findings(good: list[dict]) -> list[dict]:
    tasks, ann = kyiv(good)
    ent = item(ann, "entity")
    ent["value"].update(start=ent["value"]["start"] - 1, text=" Kyiv")  # whitespace at an edge: E311
    # sentence flags ticked in an older config are ignored: flags follow the spans, so no E316/E317
    ann["result"].append({"id": "flags", "from_name": "flags", "to_name": "text", "type": "choices",
                          "value": {"choices": ["hedged"]}})
    return tasks


def test_content_findings_are_written_and_reported(pristine) -> None:
    repo, _, good = pristine
    report = import_export(repo, with_findings(good), ["findings"])
    codes = sorted(f.split(": ")[1].split()[0] for f in report.findings)
    assert codes == ["E311"]


def test_content_findings_are_what_validate_says(pristine) -> None:  # apart: mutation testing skips subprocess tests
    repo, _, good = pristine
    import_export(repo, with_findings(good), ["findings-cli"])
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


# -- where: every refusal names the task, its sentence, the annotation and the result item or region ----------
#
# The message alone does not tell the annotator which of a thousand tasks to open. Each expected location is
# written out from the export's own structure: the tasks carry no "id", so a task is named by its position in
# the list; the annotation has no "id" and no "completed_by", so it is "annotation ? by -"; result items are
# counted from 0 in the export's order; a region is named by its text and code-point offsets. The Kyiv
# annotation's result, as export_tasks(review="hand") writes it:
#   [0] e0 entity GPE "Kyiv" 13:17        [1] e1 entity DATE "about two weeks" 59:74
#   [2] h0 hedge modal "may" 40:43        [3] h0s scope "may be delayed" 40:54
#   [4] h1 hedge approximator "about"     [5] h1s scope "about two weeks" 59:74
#   [6] c0 claim 26:74                    [7] c0 claim_type  [8] c0 checkworthy  [9] c0 source_type
#   [10] c0s source "Officials in Kyiv" 0:17

ANN = "export task {n} (emoji-s0000) annotation ? by -"
CLAIM_AT = "'the 🚀 launch “may be delayed” by about two weeks' (26:74)"  # S_KYIV[26:74], quoted as repr() does


def region(ann: dict, rid: str, from_name: str) -> dict:
    return next(r for r in ann["result"] if r.get("id") == rid and r.get("from_name") == from_name)


def relate(ann: dict, a: str, b: str) -> None:
    ann["result"].append({"from_id": a, "to_id": b, "type": "relation", "direction": "right"})


def drop(ann: dict, **match: str) -> None:
    ann["result"] = [r for r in ann["result"] if not all(r.get(k) == v for k, v in match.items())]


def second_extent(task: dict, ann: dict) -> None:  # a second item for region e0, over "Officials" 0:9
    ann["result"].append({**region(ann, "e0", "entity"),
                          "value": {"start": 0, "end": 9, "text": "Officials", "labels": ["GPE"]}})


def two_sources(task: dict, ann: dict) -> None:
    relate(ann, "c0", "c0s")
    relate(ann, "c0", "e0")


WHERE = {  # change(task, annotation), where, what the message says (so that it is this refusal)
    "shape": (lambda t, a: a["result"][0]["value"].update(start="13"), "export task {n}",
              r"annotations\[0\]\.result\[0\]\.value\.start: '13' is not of type"),
    "text-differs": (lambda t, a: t["data"].update(text=S_KYIV.replace("may", "will")), "export task {n}",
                     "task text differs"),
    "other-document": (lambda t, a: t["data"].update(doc_id="nope"), "export task {n}",
                       "document 'nope' is not in this corpus"),
    "other-sentence": (lambda t, a: t["data"].update(sentence_id="emoji-s9999"), "export task {n}",
                       "sentence 'emoji-s9999' is not in"),
    "predictions-as-ids": (lambda t, a: t.update(predictions=[5]), "export task {n} (emoji-s0000)",
                           "predictions are ids only"),
    "twice": (lambda t, a: t["annotations"].append(copy.deepcopy(a)), ANN, "annotated this sentence twice"),
    "twice-with-ids": (lambda t, a: t["annotations"].extend([{**a, "id": 17}, {**a, "id": 18}]) or
                       t["annotations"].pop(0), ANN.replace("?", "18"),
                       r"annotated this sentence twice \(also annotation 17\)"),
    "annotation-with-id": (lambda t, a: a.update(id=17) or region(a, "e0", "entity")["value"].update(labels=["X"]),
                           ANN.replace("?", "17") + " result[0]", "unknown entity label 'X'"),
    "unknown-label": (lambda t, a: region(a, "e0", "entity")["value"].update(labels=["CITY"]), ANN + " result[0]",
                      "unknown entity label 'CITY'"),
    "unknown-claim-type": (lambda t, a: region(a, "c0", "claim_type")["value"].update(choices=["rumour"]),
                           ANN + " result[7]", "unknown claim_type 'rumour'"),
    "span-outside": (lambda t, a: region(a, "e1", "entity")["value"].update(start=70, end=90), ANN + " result[1]",
                     "span 70:90 is outside"),
    "two-extents": (second_extent, ANN + " result[11]", "region 'e0' has two extents"),
    "choice-of-no-claim": (lambda t, a: region(a, "c0", "checkworthy").update(id="zz"), ANN + " result[8]",
                           "checkworthy 'yes' is attached to no claim"),
    "relation-to-nothing": (lambda t, a: relate(a, "e0", "zz"), ANN + " result[11]",
                            "relation 'e0' -> 'zz' names a region"),
    "meaningless-relation": (lambda t, a: relate(a, "e0", "h0"), ANN + " result[11]", "means nothing here"),
    "hedge-without-scope": (lambda t, a: drop(a, from_name="scope"), ANN + " region 'may' (40:43)",
                            "hedge cue has no scope"),
    "scope-of-no-cue": (lambda t, a: drop(a, id="h1"), ANN, "scope 'about two weeks' .*belongs to no hedge cue"),
    "claim-without-type": (lambda t, a: drop(a, from_name="claim_type"), ANN + " region " + CLAIM_AT,
                           "claim has no claim_type"),
    "claim-with-two-sources": (two_sources, ANN + " region " + CLAIM_AT, "is related to 2 regions"),
    "mention-without-source": (lambda t, a: drop(a, id="c0s"), ANN + " region " + CLAIM_AT,
                               "'mention' but no related"),
}


@pytest.mark.parametrize("case", WHERE)
def test_refusal_names_its_place(pristine, case: str) -> None:
    repo, _, good = pristine
    tasks = copy.deepcopy(good)
    n, task = next((n, t) for n, t in enumerate(tasks) if t["data"]["text"] == S_KYIV)
    change, where, message = WHERE[case]
    change(task, task["annotations"][0])
    with pytest.raises(CorpusError, match=message) as err:
        import_export(repo, tasks, ["x"], predictions=case == "predictions-as-ids")
    assert err.value.where == where.format(n=n)
    assert str(err.value).startswith(where.format(n=n) + ": ")


def test_collect_reads_annotations_unless_asked_for_predictions(pristine) -> None:
    repo, _, good = pristine  # export_tasks(review="hand"): each task's one annotation, no predictions
    found = collect(repo, copy.deepcopy(good))
    assert list(found) == ["-"] and sum(len(s) for s in found["-"].values()) == len(good)
    assert collect(repo, copy.deepcopy(good), predictions=True) == {}


def test_a_foreign_task_is_pointed_to_ls_export(pristine) -> None:
    repo, _, good = pristine
    with pytest.raises(CorpusError) as err:
        import_export(repo, [*copy.deepcopy(good), {"data": {"text": "Hello."}, "annotations": []}], ["x"])
    assert err.value.fix == "export the tasks with `claimcorpus ls export`"


def test_only_cancelled_annotations_is_nothing_to_import(pristine) -> None:
    repo, _, good = pristine  # two documents of two sentences each: four tasks, one annotation each
    tasks = copy.deepcopy(good)
    for t in tasks:
        t["annotations"][0]["was_cancelled"] = True
    before = tree(repo.root)
    with pytest.raises(CorpusError) as err:
        import_export(repo, tasks, ["x"])
    assert err.value.problem == "no annotations to import (4 tasks, 4 cancelled)"
    assert tree(repo.root) == before


@pytest.mark.parametrize(("annotation", "key"), [
    ({"completed_by": {"email": "ann@example.org", "id": 7}}, "ann@example.org"),
    ({"completed_by": {"id": 7}}, "7"),  # no e-mail in the export: the user id
    ({"completed_by": 3}, "3"),
    ({}, "-"),
])
def test_annotator_key(annotation: dict, key: str) -> None:
    from claimcorpus.labelstudio.importer import annotator_key

    assert annotator_key(annotation) == key


@pytest.mark.parametrize(("keys", "annotator", "message"), [
    (["5"], ["7=x"], "--annotator: 7=x names annotator '7', who has no annotations in the export (it has 5). "
                     "Fix: map only the Label Studio user ids the export has (a typo?)"),
    (["5"], ["Bad"], "--annotator: 'Bad' is not a layer id. "
                     "Fix: use lowercase letters, digits, '_' and '-' (not first), not 'segments'"),
    (["5"], ["segments"], "--annotator: 'segments' is not a layer id. "
                          "Fix: use lowercase letters, digits, '_' and '-' (not first), not 'segments'"),
    (["5", "6"], ["x"], "--annotator: the export has annotations by 2 annotators (5, 6). "
                        "Fix: pass --annotator KEY=NAME once for each of them"),
    (["5", "6"], ["5=x", "6=x"], "--annotator: two annotators would share layer 'x'. "
                                 "Fix: give each annotator a layer of their own"),
])
def test_annotator_names_are_refused_in_one_line(keys, annotator, message) -> None:
    from claimcorpus.labelstudio.importer import resolve_names

    with pytest.raises(CorpusError) as err:
        resolve_names(keys, annotator)
    assert str(err.value) == message


def test_a_field_of_the_wrong_type_is_named_by_its_path(tmp_path: Path) -> None:
    """export.schema.json: a result item's value.start is an integer; the message names the field from the task."""
    from claimcorpus.labelstudio.importer import check_export

    tasks = [{"data": {"text": "Kyiv."}, "annotations": [{"result": [
        {"from_name": "entity", "to_name": "text", "type": "labels",
         "value": {"start": "0", "end": 4, "text": "Kyiv", "labels": ["GPE"]}}]}]}]
    with pytest.raises(CorpusError) as err:
        check_export(tasks, "export.json")
    assert str(err.value).startswith("export.json task 0: annotations[0].result[0].value.start: '0' is not of type "), \
        str(err.value)


def test_refusals_of_the_target_layer(pristine, tmp_path: Path) -> None:
    """Import never writes into a folder that is not a layer, or over a layer's files without --overwrite."""
    import shutil

    repo, _, good = pristine
    work = tmp_path / "repo"
    shutil.copytree(repo.root, work)
    from claimcorpus.layout import Repo

    copy = Repo(work)
    (copy.annotations / "stray").mkdir()
    with pytest.raises(CorpusError) as err:
        import_export(copy, copy_tasks(good), ["stray"])
    assert str(err.value) == ("annotations/stray: exists but is not a layer (no layer.json). "
                              "Fix: choose another name with --annotator, or move the folder away if it is not yours")
    doc = sorted(p.stem for p in copy.layer_dir("hand").glob("*.jsonl"))[0]
    with pytest.raises(CorpusError) as err:
        import_export(copy, copy_tasks(good), ["hand"])
    assert str(err.value) == (f"annotations/hand/{doc}.jsonl: layer 'hand' already has annotations for {doc}. "
                              "Fix: choose another name with --annotator, or pass --overwrite to replace them")


def copy_tasks(good: list[dict]) -> list[dict]:
    return copy.deepcopy(good)


def _no_text(t, a):
    del region(a, "e0", "entity")["value"]["text"]


def _kiev(t, a):
    region(a, "e0", "entity")["value"]["text"] = "Kiev"


FIXES = {  # change, import unit, the problem's end and the fix, word for word (what the annotator is told to do)
    "choice-of-no-claim": (lambda t, a: region(a, "c0", "checkworthy").update(id="zz"), "codepoint",
                           "checkworthy 'yes' is attached to no claim region", "set it on a claim region"),
    "region-without-text": (_no_text, "codepoint",
                            "region 13:17 carries no text, so nothing confirms its code point offsets "
                            "(Label Studio writes the text of every region)",
                            "import the file Label Studio exported (Export > JSON) or `claimcorpus ls pull` wrote; "
                            "a tool that drops region texts must keep them"),
    "region-without-text-utf16": (_no_text, "utf16",
                                  "region 13:17 carries no text, so nothing confirms its UTF-16 offsets "
                                  "(Label Studio writes the text of every region)",
                                  "import the file Label Studio exported (Export > JSON) or `claimcorpus ls pull` "
                                  "wrote; a tool that drops region texts must keep them"),
    "slice-differs": (_kiev, "codepoint", "region text 'Kiev' is not the sentence slice 13:17 'Kyiv'",
                      "if this export counts UTF-16 code units, pass --offsets utf16; otherwise redraw the region "
                      "in Label Studio"),
    "slice-differs-utf16": (_kiev, "utf16", "region text 'Kiev' is not the sentence slice 13:17 'Kyiv'",
                            "if this export counts code points, pass --offsets codepoint; otherwise redraw the "
                            "region in Label Studio"),
}


@pytest.mark.parametrize("case", FIXES)
def test_refusal_says_what_to_do(pristine, case: str) -> None:
    """Offsets 13:17 are "Kyiv" in S_KYIV, before any astral character, so both units give 13:17."""
    repo, _, good = pristine
    tasks = copy.deepcopy(good)
    task = next(t for t in tasks if t["data"]["text"] == S_KYIV)
    change, unit, problem, fix = FIXES[case]
    change(task, task["annotations"][0])
    with pytest.raises(CorpusError) as err:
        import_export(repo, tasks, ["x"], unit=unit)
    assert err.value.problem.endswith(problem), err.value.problem
    assert err.value.fix == fix
