"""import(export(layer)) == layer, through results in memory (a property) and through files and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from label_studio_sdk.label_interface import LabelInterface

from claimcorpus import schema
from claimcorpus.errors import CorpusError
from claimcorpus.labelstudio import config as C
from claimcorpus.labelstudio.importer import from_result, import_export
from claimcorpus.labelstudio.tasks import export_tasks, to_result
from claimcorpus.layers import init_layer, read_layer, read_meta, with_flags
from claimcorpus.validation.repository import Validator
from conftest import run_cli, tree
from ls_server import SEED_DOC, add_hand_layer, make_own_repo, make_seed_repo

CHARS = st.characters(exclude_categories=("Cs",))
ASTRAL = st.sampled_from("😀🚀𝐁🇺\u200d👩\u201c\u201d\"'")


@st.composite
def records(draw) -> dict:
    """A sentence record with random spans (any extents, astral characters likely) and consistent flags."""
    text = draw(st.text(alphabet=st.one_of(CHARS, ASTRAL), min_size=1, max_size=40))
    n = len(text)

    def span() -> tuple[int, int]:
        s = draw(st.integers(0, n - 1))
        return s, draw(st.integers(s + 1, n))

    def piece(s: int, e: int) -> dict:
        return {"start": s, "end": e, "text": text[s:e]}

    labels = schema.labels()
    entities = [{**piece(*span()), "label": draw(st.sampled_from(labels["entity_label"]))}
                for _ in range(draw(st.integers(0, 4)))]
    hedges = []
    for _ in range(draw(st.integers(0, 3))):
        s, e = span()
        ss, se = draw(st.integers(0, s)), draw(st.integers(e, n))
        hedges.append({**piece(s, e), "type": draw(st.sampled_from(labels["hedge_type"])),
                       "scope_start": ss, "scope_end": se})
    claims = []
    for _ in range(draw(st.integers(0, 3))):
        source = {"type": "author"}
        if draw(st.booleans()):
            source = {"type": "mention", **piece(*span())}
        claims.append({**piece(*span()), "type": draw(st.sampled_from(labels["claim_type"])),
                       "checkworthy": draw(st.booleans()), "source": source})
    return with_flags({"id": "d-s0003", "doc_id": "d", "index": 3, "start": 10, "end": 10 + n, "text": text,
                       "entities": entities, "hedges": hedges, "claims": claims, "hedged": False,
                       "checkworthy": False})


def pinned(text: str, ent: tuple[int, int], cue: tuple[int, int], claim: tuple[int, int], source: tuple[int, int]) -> dict:
    """A record for an @example: one entity, one hedge cue scoped over the claim, one claim with a mention source."""
    piece = lambda s, e: {"start": s, "end": e, "text": text[s:e]}  # noqa: E731
    return with_flags({"id": "d-s0003", "doc_id": "d", "index": 3, "start": 10, "end": 10 + len(text), "text": text,
                       "entities": [{**piece(*ent), "label": "GPE"}],
                       "hedges": [{**piece(*cue), "type": "modal", "scope_start": claim[0], "scope_end": claim[1]}],
                       "claims": [{**piece(*claim), "type": "predictive", "checkworthy": True,
                                   "source": {"type": "mention", **piece(*source)}}],
                       "hedged": False, "checkworthy": False})


INTERFACE = LabelInterface(C.label_config())


@settings(max_examples=300, deadline=None)
@given(records(), st.sampled_from(["codepoint", "utf16"]))
@example(pinned("\uffff\U0001F600a", (1, 2), (2, 3), (0, 3), (0, 1)), "utf16")  # U+FFFF one unit, then an astral
@example(pinned("\U0001F1FA\U0001F1E6 Kyiv may", (3, 7), (8, 11), (3, 11), (0, 2)), "utf16")  # a flag: 4 units
@example(pinned("a", (0, 1), (0, 1), (0, 1), (0, 1)), "codepoint")  # one character, every span the whole text
@example(pinned("\U0010FFFF\u200d\U0001F469", (0, 1), (2, 3), (0, 3), (1, 2)), "utf16")  # the last code point, ZWJ
def test_result_round_trip(rec: dict, unit: str) -> None:
    result = json.loads(json.dumps(to_result(rec, unit)))  # as it travels in a file
    assert from_result(result, rec, unit) == rec
    assert INTERFACE.validate_prediction({"result": result}, return_errors=True) == []
    for item in result:  # each region's text is the slice its offsets name, counted in the unit
        value = item.get("value", {})
        if "start" in value:
            assert value["text"] == slice_as(rec["text"], value["start"], value["end"], unit)


def slice_as(text: str, start: int, end: int, unit: str) -> str:
    """text[start:end] as Python (code points) or JavaScript (UTF-16 code units) slices it."""
    if unit == "codepoint":
        return text[start:end]
    return text.encode("utf-16-le")[2 * start:2 * end].decode("utf-16-le")


def _layers_equal(repo, a: str, b: str) -> None:
    for path in sorted(repo.layer_dir(a).glob("*.jsonl")):
        assert read_layer(repo, b, path.stem) == read_layer(repo, a, path.stem), f"{a} vs {b}: {path.stem}"


@pytest.fixture
def own(tmp_path: Path):
    repo = make_own_repo(tmp_path / "own")
    add_hand_layer(repo)
    return repo


@pytest.fixture
def seed(tmp_path: Path):
    return make_seed_repo(tmp_path / "seed")


@pytest.mark.parametrize("unit", ["codepoint", "utf16"])
def test_files_round_trip_own_texts(own, unit: str) -> None:
    for as_predictions in (True, False):
        tasks = export_tasks(own, predictions=["hand"] if as_predictions else [],
                             review=None if as_predictions else "hand", unit=unit)
        tasks = json.loads(json.dumps(tasks, ensure_ascii=False))
        name = f"back-{unit}-{'p' if as_predictions else 'a'}"
        report = import_export(own, tasks, [name], unit=unit, predictions=as_predictions)
        assert report.findings == [] and report.cancelled == [] and report.unannotated == {}
        _layers_equal(own, "hand", name)
    assert Validator(own).run() == []


@pytest.mark.parametrize("layer", ["gold", "pass-a", "pass-b"])
def test_files_round_trip_seed_layers(seed, layer: str) -> None:
    tasks = export_tasks(seed, predictions=[layer])
    assert len(tasks) == len(read_layer(seed, layer, SEED_DOC))
    report = import_export(seed, tasks, [f"back-{layer}"], predictions=True)
    assert report.annotations == {f"back-{layer}": len(tasks)}
    _layers_equal(seed, layer, f"back-{layer}")


def test_cli_export_then_import(own, tmp_path: Path) -> None:
    out = own.root / "build" / "tasks.json"  # exports stay inside the repository, outside its data folders
    res = run_cli("ls", "export", "--prediction", "hand", "--out", out, "--root", own.root)
    assert res.returncode == 0, res.stderr
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert {t["predictions"][0]["model_version"] for t in tasks} == {"hand"}
    first = tasks[0]["data"]
    assert set(first) == {"text", "sentence_id", "doc_id", "index", "text_sha256"}
    res = run_cli("ls", "import", out, "--predictions", "--annotator", "hand=back", "--root", own.root)
    assert res.returncode == 0, res.stderr
    _layers_equal(own, "hand", "back")
    assert read_meta(own, "back")["kind"] == "prediction"
    res = run_cli("validate", "--root", own.root)
    assert res.returncode == 0, res.stdout + res.stderr
    again = run_cli("ls", "export", "--prediction", "hand", "--root", own.root)
    assert again.stdout == out.read_text(encoding="utf-8")  # byte-stable


def _annotated_export(own) -> list[dict]:
    """An export as Label Studio writes it: two annotators, one cancelled annotation, one unannotated sentence."""
    tasks = export_tasks(own, predictions=["hand"])
    for i, task in enumerate(tasks):
        task["id"] = 100 + i
        pred = task.pop("predictions")[0]
        task["predictions"] = [7]  # Label Studio exports prediction ids only
        task["annotations"] = [{"id": 10 * i + 1, "completed_by": 1, "result": pred["result"], "was_cancelled": False}]
        if i == 0:
            task["annotations"].append({"id": 10 * i + 2, "completed_by": 2, "result": [], "was_cancelled": True})
        elif i < 3:
            task["annotations"].append({"id": 10 * i + 2, "completed_by": 2, "result": pred["result"][:1]})
    return tasks


def test_annotators_kept_apart(own) -> None:
    tasks = _annotated_export(own)
    report = import_export(own, tasks, ["1=alice", "2=bob"], name="project.json")
    _layers_equal(own, "hand", "alice")
    assert report.annotations == {"alice": 4, "bob": 2}
    assert len(report.cancelled) == 1 and "by 2" in report.cancelled[0]
    assert report.unannotated == {"bob/emoji": 1, "bob/quotes": 1}
    bob = read_layer(own, "bob", "emoji")
    assert [len(r["entities"]) for r in bob] == [0, 1]  # task 0: cancelled, so empty; task 1: first region only
    assert read_meta(own, "bob")["kind"] == "annotator"
    with pytest.raises(CorpusError, match="pass --annotator KEY=NAME once for each"):
        import_export(own, tasks, ["carol"])
    with pytest.raises(CorpusError, match="no layer name for the annotations of 2"):
        import_export(own, tasks, ["1=carol"])
    with pytest.raises(CorpusError, match="share layer"):
        import_export(own, tasks, ["1=carol", "2=carol"])


def test_never_overwrites_unless_asked(own) -> None:
    tasks = export_tasks(own, predictions=["hand"])
    before = tree(own.root)
    with pytest.raises(CorpusError, match="--overwrite") as err:
        import_export(own, tasks, ["hand"], predictions=True)
    assert err.value.where == "annotations/hand/emoji.jsonl"  # the first of the two documents, emoji and quotes
    assert tree(own.root) == before
    meta = read_meta(own, "hand")
    import_export(own, tasks, ["hand"], predictions=True, overwrite=True)
    assert read_meta(own, "hand") == meta  # an existing layer keeps its layer.json
    with pytest.raises(CorpusError, match="not a layer id"):
        import_export(own, tasks, ["segments"], predictions=True, overwrite=True)
    (own.annotations / "notes").mkdir()
    with pytest.raises(CorpusError, match="not a layer"):
        import_export(own, tasks, ["notes"], predictions=True, overwrite=True)
    assert tree(own.root) == before


def test_a_layer_without_files_for_these_documents_is_not_overwritten(own) -> None:
    init_layer(own, "bare", "annotator", "x", guidelines_version=None, description="no documents yet", doc_ids=[])
    tasks = export_tasks(own, predictions=["hand"])
    before = tree(own.root)
    with pytest.raises(CorpusError, match="layer 'bare' exists") as err:
        import_export(own, tasks, ["bare"], predictions=True)
    assert err.value.where == "annotations/bare/layer.json" and "--overwrite" in err.value.fix
    assert tree(own.root) == before


def test_cli_import_of_a_missing_file_says_one_line(own) -> None:  # apart: mutation testing skips subprocess tests
    res = run_cli("ls", "import", "nope.json", "--annotator", "x", "--root", own.root)
    assert res.returncode == 1 and res.stderr.count("\n") == 1 and "no such file" in res.stderr
