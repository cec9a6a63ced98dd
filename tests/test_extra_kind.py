"""A new span kind is schema + one registry entry: `stances` (span, label, target) added to a copy of the
repository at run time, with no other code change, is validated, built, gated, exported to and imported
from Label Studio, and compared by `agreement`.

The stance annotations are hand-made judgements of two seed sentences (tests/fixtures/stance/).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import FIXTURES, copy_checkout
from datasets import Value, load_dataset

from claimcorpus import build, kinds, schema
from claimcorpus.agreement import agreement
from claimcorpus.validation.codes import Check
from claimcorpus.configs import configs
from claimcorpus.validation.level4.suite import build_suites, run_gate
from claimcorpus.labelstudio import config as C
from claimcorpus.labelstudio.importer import import_export
from claimcorpus.labelstudio.tasks import export_tasks
from claimcorpus.layers import read_layer
from claimcorpus.layout import GOLD, Repo
from claimcorpus.validation.repository import Validator

STANCE = FIXTURES / "stance"
DOC = "000_418805c56f629208"
LABELS = ["favor", "against", "neutral"]


def stance_target(rec: dict) -> Iterator[tuple[str, str]]:
    """E320: a target lies inside the sentence and outside its stance expression."""
    for i, s in enumerate(rec["stances"]):
        a, b = s["target_start"], s["target_end"]
        if not (0 <= a < b <= len(rec["text"])) or (a < s["end"] and s["start"] < b):
            yield "E320", f"stances[{i}] target {a}:{b} is outside 0:{len(rec['text'])} or overlaps {s['start']}:{s['end']}"


TARGET = kinds.Offsets("target", "target_start", "target_end", "stance")
I32 = Value("int32")

STANCES = kinds.SpanKind(
    field="stances", label="label", label_set="stance_label", span_def="stance", unit="stance",
    description="one row per gold stance expression with its target",
    nested=lambda: {"target_start": I32, "target_end": I32},
    flat=lambda: {"target_start": I32, "target_end": I32, "target_text": Value("string")},
    flat_row=lambda rec, s, enc: {"target_start": s["target_start"], "target_end": s["target_end"],
                                  "target_text": rec["text"][s["target_start"]:s["target_end"]]},
    offsets=(TARGET,), required=("target_start", "target_end", "target_text"),
    checks=(stance_target,), codes=("E320",),
    new_checks=(Check("E320", "stance-target", 3, "a stance target is outside the sentence or overlaps its expression",
                      "point target_start/target_end at what the stance is about, outside the expression"),),
    agreement=(kinds.Unit("stances", "Stances", tokens="stance_tokens", tokens_title="Stance per token"),
               kinds.Unit("stance_targets", "Stance targets", TARGET)),
    ls=kinds.LabelStudio("stance", "Stances: pick the stance, then select the expression", "#BD10E0",
                         (("target", "Target of each stance: select it, then relate stance and target", None, None),)))


def add_to_schema(root: Path) -> None:
    """The schema half of the new kind: a label set, a span object, a required list."""
    path = root / "schema" / "sentence.schema.json"
    sch = json.loads(path.read_text(encoding="utf-8"))
    sch["required"].append("stances")
    sch["properties"]["stances"] = {"title": "Stances", "description": "Evaluative wording for or against a target.",
                                    "type": "array", "items": {"$ref": "#/$defs/stance"}}
    sch["$defs"]["stance_label"] = {"title": "Stance", "enum": LABELS, "x-descriptions": {
        "favor": "The wording supports the target.", "against": "The wording opposes or belittles the target.",
        "neutral": "The wording evaluates without taking a side."}}
    sch["$defs"]["stance"] = {
        "type": "object", "additionalProperties": False, "allOf": [{"$ref": "#/$defs/span"}],
        "required": ["start", "end", "text", "label", "target_start", "target_end"],
        "properties": {"start": True, "end": True, "text": True, "label": {"$ref": "#/$defs/stance_label"},
                       "target_start": {"type": "integer", "minimum": 0}, "target_end": {"type": "integer", "minimum": 1}}}
    path.write_text(json.dumps(sch, indent=2) + "\n", encoding="utf-8")


def set_stances(repo: Repo, layer: str, by_index: dict[int, list]) -> None:
    path = repo.layer_file(layer, DOC)
    recs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for r in recs:
        r["stances"] = by_index.get(r["index"], [])
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Iterator[Repo]:
    root = copy_checkout(tmp_path_factory.mktemp("stance") / "repo")
    add_to_schema(root)
    schema.use(root / "schema")
    kinds.register(STANCES)
    try:
        repo = Repo(root)
        gold = {g["index"]: g["stances"] for g in json.loads((STANCE / "gold.json").read_text(encoding="utf-8"))}
        set_stances(repo, GOLD, gold)
        set_stances(repo, "pass-a", gold)
        set_stances(repo, "pass-b", {2: gold[2]})  # pass B missed the second stance
        yield repo
    finally:
        kinds.unregister("stances")
        schema.use(None)


def test_registering_checks_the_schema(repo: Repo) -> None:
    bad = kinds.SpanKind(field="stance", label="label", label_set="stance_label", span_def="stance", unit="stance",
                         description="")
    with pytest.raises(Exception, match="no property 'stance'"):
        kinds.register(bad)
    assert "stance" not in kinds.KINDS


def test_validate_accepts_the_new_layer_and_finds_its_error(repo: Repo) -> None:
    assert Validator(repo).run() == []
    case = json.loads((STANCE / "E320-stance-target" / "stances.json").read_text(encoding="utf-8"))
    path = repo.layer_file(GOLD, DOC)
    before = path.read_bytes()
    try:
        set_stances(repo, GOLD, {case["index"]: case["stances"]})
        findings = Validator(repo).run()
        assert [(f.code, f.name, f.record) for f in findings] == [("E320", "stance-target", f"{DOC}-s0002")]
        set_stances(repo, GOLD, {2: [{**case["stances"][0], "label": "sceptical"}]})
        assert [f.code for f in Validator(repo).run()] == ["E202"]  # the label set comes from the schema file
    finally:
        path.write_bytes(before)


def test_build_declares_and_fills_the_new_config(repo: Repo) -> None:
    build.build(repo)
    assert "stances" in [c.name for c in configs()]
    card = yaml.safe_load((repo.corpus / "README.md").read_text(encoding="utf-8").split("---\n")[1])
    assert "stances" in [c["config_name"] for c in card["configs"]]
    info = next(i for i in card["dataset_info"] if i["config_name"] == "stances")
    label = next(f for f in info["features"] if f["name"] == "label")
    assert label["dtype"]["class_label"]["names"] == {str(i): n for i, n in enumerate(LABELS)}
    card_text = (repo.corpus / "README.md").read_text(encoding="utf-8")
    assert "### Stances by label" in card_text
    assert "; stances favor, against, neutral." in card_text  # the label line of the datasheet
    assert "| stances per sentence | 0.13 |" in card_text  # 2 gold stances over the 15 sentences
    rows = load_dataset(str(repo.corpus), "stances")["test"]
    text = [json.loads(line) for line in repo.layer_file(GOLD, DOC).read_text(encoding="utf-8").splitlines()][3]["text"]
    got = [(r["text"], rows.features["label"].int2str(r["label"]), r["target_text"]) for r in rows]
    assert got == [("rudimentary and out-of-date", "against", "North Korean troops"),
                   ("vastly inferior military power", "against", text[0:11])]
    nested = load_dataset(str(repo.corpus), "sentences")["test"]
    assert sum(len(r["stances"]) for r in nested) == 2


def test_gate_checks_the_new_table(repo: Repo) -> None:
    suite = build_suites()["stances"]
    value_sets = [e.value_set for e in suite.expectations if getattr(e, "column", None) == "label"
                  and type(e).__name__ == "ExpectColumnValuesToBeInSet"]
    assert value_sets == [[0, 1, 2]]
    rows = build.release_rows(repo)
    assert run_gate({t: pd.DataFrame(r) for t, r in rows.items() if t != "layers"}).findings == []
    rows["stances"][0]["target_text"] = "North Korea"  # not the slice its offsets point at
    findings = run_gate({t: pd.DataFrame(r) for t, r in rows.items() if t != "layers"}).findings
    assert [(f.code, f.file) for f in findings] == [("E409", "corpus/stances")]


def test_label_studio_config_export_import(repo: Repo) -> None:
    xml = C.label_config()
    assert '<Labels name="stance"' in xml and '<Labels name="target"' in xml
    assert all(f'<Label value="{v}"' in xml for v in LABELS)
    tasks = export_tasks(repo, review=GOLD)
    for t in tasks:  # as Label Studio exports them: the reviewed result becomes an annotation by a user
        t["annotations"][0]["completed_by"] = 7
    report = import_export(repo, tasks, ["stance-check"])
    assert report.findings == []
    assert read_layer(repo, "stance-check", DOC) == read_layer(repo, GOLD, DOC)


def test_agreement_compares_the_new_units(repo: Repo) -> None:
    report = agreement(repo, "pass-a", "pass-b")
    assert report["spans"]["stances"]["n_a"] == 2 and report["spans"]["stances"]["n_b"] == 1
    assert report["spans"]["stances"]["exact"]["labelled"]["recall"] == 0.5
    assert report["spans"]["stance_targets"]["exact"]["labelled"]["precision"] == 1.0
    assert "stance_tokens" in report["categorical"]


def test_score_reports_the_new_kind(repo: Repo) -> None:
    from claimcorpus.score import score

    figs = score(repo, repo.layer_dir("pass-b"), GOLD, resamples=20)["system"]["figures"]
    assert figs["stances.exact"]["gold"] == 2 and figs["stances.exact"]["predicted"] == 1  # pass B has one of two
    assert figs["stances.exact"]["matched"] == 1 and figs["stances.exact"]["recall"] == 0.5
    assert figs["stance_targets.exact.unlabelled"]["matched"] == 1


def test_adjudication_worksheet_has_the_new_kinds_disagreement(repo: Repo) -> None:
    from claimcorpus.adjudication import worksheet

    items = [i for i in worksheet(repo, "pass-a", "pass-b")[1:] if i["kind"] == "stances"]
    assert [(i["what"], i["a"]["text"], i["b"]) for i in items] == [("stance", "vastly inferior military power", None)]


def test_diff_lists_the_new_kinds_changes(repo: Repo) -> None:
    from claimcorpus.diff import compare_file

    a, b = (repo.layer_file(layer, DOC).read_text(encoding="utf-8") for layer in ("pass-a", "pass-b"))
    found = [(change, key[4], what) for change, key, what in compare_file(a, b) if key[0] == "stance"]
    assert found == [("removed", "vastly inferior military power", "against")]
    relabelled = b.replace('"label": "against"', '"label": "favor"', 1)
    changed = [(c, k[0], w) for c, k, w in compare_file(b, relabelled)]
    assert changed == [("relabelled", "stance", "against → favor")]
