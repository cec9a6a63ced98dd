"""`claimcorpus resegment`: a repository segmented by pySBD (the previous segmenter, run for real here)
moves onto the current segmenter's sentences; spans move with their text, or the command refuses."""

from __future__ import annotations

import json

import pysbd
from conftest import make_repo, run_cli, tree

from claimcorpus.documents import sentence_id
from claimcorpus.layers import init_layer, read_layer, write_layer
from claimcorpus.layout import Repo
from claimcorpus.textio import write_jsonl

# pySBD keeps the quotation of two sentences as one sentence; the current segmenter splits it.
TEXT = ('"We looked at every option. None of them worked," said Ines Moreau. The board voted 7-2.\n'
        "Nobody spoke.\n")


def pysbd_repo(tmp_path) -> tuple[Repo, str]:
    """A repository whose segments are pySBD's, as the corpus had them before."""
    repo = make_repo(tmp_path, {"a.txt": TEXT})
    seg = pysbd.Segmenter(language="en", clean=False, char_span=True)
    records, offset = [], 0
    for paragraph, line in enumerate(TEXT.split("\n")[:2]):
        for s in seg.segment(line):
            start = offset + s.start + len(s.sent) - len(s.sent.lstrip())
            text = s.sent.strip()
            records.append({"id": sentence_id("a", len(records)), "doc_id": "a", "index": len(records),
                            "paragraph": paragraph, "start": start, "end": start + len(text), "text": text})
        offset += len(line) + 1
    assert [r["text"] for r in records] == [  # pySBD's sentences, read by hand
        '"We looked at every option. None of them worked," said Ines Moreau.', "The board voted 7-2.", "Nobody spoke."]
    write_jsonl(repo.segments_file("a"), records)
    (repo.segments / "segmenter.json").write_text('{"name": "pysbd", "version": "0.3.4"}\n', encoding="utf-8")
    return repo, TEXT


def span(sentence: str, text: str, **extra) -> dict:
    start = sentence.index(text)
    return {"start": start, "end": start + len(text), "text": text, **extra}


def annotate(repo: Repo, layer: str, claim_text: str) -> None:
    init_layer(repo, layer, "annotator", "tester", guidelines_version="0.1", description="test", doc_ids=["a"])
    recs = read_layer(repo, layer, "a")
    s0 = recs[0]["text"]
    recs[0]["entities"] = [span(s0, "Ines Moreau", label="PERSON")]
    recs[0]["hedges"] = []
    recs[0]["claims"] = [span(s0, claim_text, type="factual", checkworthy=True,
                              source={"type": "mention", **span(s0, "Ines Moreau")})]
    recs[0]["checkworthy"] = True
    recs[1]["entities"] = [span(recs[1]["text"], "7-2", label="CARDINAL")]
    write_layer(repo, layer, "a", recs, overwrite=True)


def test_spans_move_into_the_new_sentences(tmp_path) -> None:
    repo, doc = pysbd_repo(tmp_path)
    annotate(repo, "pass-x", "None of them worked")
    assert run_cli("validate", "--no-gx", "--root", repo.root).returncode == 0
    proc = run_cli("resegment", "--root", repo.root)
    assert proc.returncode == 0, proc.stderr
    assert "1 with new boundaries" in proc.stdout
    segs = [json.loads(x) for x in repo.segments_file("a").read_text(encoding="utf-8").splitlines()]
    assert [s["text"] for s in segs] == ['"We looked at every option.', 'None of them worked," said Ines Moreau.',
                                         "The board voted 7-2.", "Nobody spoke."]
    recs = read_layer(repo, "pass-x", "a")
    assert [r["id"] for r in recs] == ["a-s0000", "a-s0001", "a-s0002", "a-s0003"]
    assert recs[0]["entities"] == recs[0]["claims"] == [] and recs[0]["checkworthy"] is False
    (ent,), (claim,) = recs[1]["entities"], recs[1]["claims"]
    # the same characters of the document as before, now counted from the new sentence's start
    assert recs[1]["start"] + ent["start"] == doc.index("Ines Moreau") and ent["text"] == "Ines Moreau"
    assert recs[1]["text"][ent["start"]:ent["end"]] == "Ines Moreau"
    assert recs[1]["start"] + claim["start"] == doc.index("None of them") and claim["end"] - claim["start"] == 19
    assert recs[1]["start"] + claim["source"]["start"] == doc.index("Ines Moreau")
    assert recs[1]["checkworthy"] is True
    assert recs[2]["entities"][0]["text"] == "7-2" and recs[2]["index"] == 2
    assert json.loads((repo.segments / "segmenter.json").read_text(encoding="utf-8"))["name"] == "claimcorpus"
    assert run_cli("validate", "--no-gx", "--root", repo.root).returncode == 0
    again = run_cli("resegment", "--check", "--root", repo.root)
    assert again.returncode == 0 and "0 with new boundaries" in again.stdout


def test_a_span_across_a_new_boundary_is_refused_and_nothing_is_written(tmp_path) -> None:
    repo, _ = pysbd_repo(tmp_path)
    annotate(repo, "pass-y", "We looked at every option. None of them worked")
    before = tree(repo.root)
    assert run_cli("resegment", "--check", "--root", repo.root).returncode == 1
    proc = run_cli("resegment", "--root", repo.root)
    assert proc.returncode == 1
    (line,) = proc.stderr.splitlines()
    assert line.startswith("error: annotations/segments: 1 annotated spans would cross a new sentence boundary: ")
    assert "annotations/pass-y/a.jsonl a-s0000 claims 1:47 'We looked at every option. None of them worked'" in line
    assert "Fix: " in line
    assert tree(repo.root) == before


def test_an_invalid_repository_is_not_resegmented(tmp_path) -> None:
    repo, _ = pysbd_repo(tmp_path)
    annotate(repo, "pass-z", "None of them worked")
    path = repo.layer_file("pass-z", "a")
    path.write_text(path.read_text(encoding="utf-8").replace('"checkworthy":true', '"checkworthy":false', 1),
                    encoding="utf-8")
    before = tree(repo.root)
    proc = run_cli("resegment", "--root", repo.root)
    assert proc.returncode == 1 and proc.stderr.startswith("error: ") and "claimcorpus validate" in proc.stderr
    assert tree(repo.root) == before
