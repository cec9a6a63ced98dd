"""Levels 1-3 over one repository: walk its files in order and apply each level to each file.

This is the reference walk (one process, files in order); parallel.py gives the same findings per
document in worker processes. Records that fail level 1 or 2 are not checked at level 3.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import orjson

from claimcorpus import schema
from claimcorpus.errors import CorpusError
from claimcorpus.layout import GOLD, SEGMENTS, Repo
from claimcorpus.textio import ControlCharError, canonical_text, decode_utf8, read_bytes, sha256
from claimcorpus.txn import TXN, leftover
from claimcorpus.validation import splitfile
from claimcorpus.validation.codes import yields
from claimcorpus.validation.finding import Finding
from claimcorpus.validation.level1 import load_jsonl
from claimcorpus.validation.level2 import schema_findings
from claimcorpus.validation.level3 import sentence_content, sequence_content


class Validator:
    """Collects the findings of every level over one repository."""

    def __init__(self, repo: Repo, fast: bool = True) -> None:
        self.repo = repo
        self.fast = fast
        self.findings: list[Finding] = []
        self.texts: dict[str, str] = {}
        self.segments: dict[str, list[tuple[int, int, int, str]]] = {}
        self.manifest_ids: set[str] = set()
        self.n_records = 0

    def add(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def run(self, progress=None) -> list[Finding]:
        self.leftovers()
        self.documents()
        self.splits()
        self.segment_files()
        layers = self.repo.layers()
        for layer in layers:
            self.layer(layer)
            if progress:
                progress(layer)
        if not self.findings:
            from claimcorpus.adjudication import findings as adjudication_findings

            self.add(adjudication_findings(self.repo))
        return self.findings

    # -- leftovers of interrupted commands ------------------------------------
    @yields("E107", "E101")
    def leftovers(self) -> None:
        """E107 for an interrupted write (txn.py); E101 for a layer folder that has files but no layer.json."""
        left = leftover(self.repo.root)
        if left:
            state = "committed, not yet moved in" if left["committed"] else "not committed"
            self.add([Finding("E107", TXN + "/", None, None, f"`claimcorpus {left['command']}` (pid {left.get('pid')}) "
                                                             f"was interrupted ({state})")])
        if self.repo.annotations.is_dir():
            for folder in sorted(p for p in self.repo.annotations.iterdir() if p.is_dir() and p.name != SEGMENTS):
                if not (folder / "layer.json").is_file() and any(folder.glob("*.jsonl")):
                    self.add([Finding("E101", self.repo.rel(folder / "layer.json"), None, None,
                                      f"folder {folder.name!r} has layer files but no layer.json")])
        self.stray_files()

    @yields("E113")
    def stray_files(self) -> None:
        """E113 for what a layer or the segments folder holds besides ``<doc_id>.jsonl`` and its metadata file
        (``notes.txt``, ``base1.JSONL``, a sub-folder), and for a folder of annotations/ that is neither."""
        if not self.repo.annotations.is_dir():
            return
        for folder in sorted(p for p in self.repo.annotations.iterdir() if p.is_dir()):
            meta = "segmenter.json" if folder.name == SEGMENTS else "layer.json"
            if folder.name != SEGMENTS and not (folder / meta).is_file():
                if not any(folder.glob("*.jsonl")) and any(folder.iterdir()):
                    self.add([Finding("E113", self.repo.rel(folder) + "/", None, None, "a folder of annotations/ that "
                                      "is neither a layer (no layer.json) nor annotations/segments")])
                continue
            with os.scandir(folder) as entries:  # no stat per file (its type comes with the listing)
                odd = sorted(e.name for e in entries
                             if e.name != meta and not (_jsonl_name(e.name) and e.is_file()))
            for path in (folder / name for name in odd):
                kind = "folder" if path.is_dir() else "file"
                self.add([Finding("E113", self.repo.rel(path) + ("/" if path.is_dir() else ""), None, None,
                                  f"a {kind} in {self.repo.rel(folder)}/, which holds only <doc_id>.jsonl "
                                  f"files and {meta}")])

    # -- documents -----------------------------------------------------------
    @yields("E101", "E102", "E104", "E105", "E106", "E108", "E111", "E112", "E114", "E203")
    def documents(self) -> None:
        repo, rel = self.repo, self.repo.rel(self.repo.manifest)
        if not repo.manifest.is_file():
            self.add([Finding("E101", rel, None, None, "the manifest is missing")])
            return
        loaded = load_jsonl(repo.manifest, rel)
        self.add(loaded.findings)
        self.manifest_ids = {e.get("doc_id") for _, e in loaded.records if isinstance(e.get("doc_id"), str)}
        by_text: dict[str, str] = {}
        by_id: dict[str, int] = {}
        for line, entry in loaded.records:
            bad = schema_findings("document", entry, rel, line, self.fast)
            if bad:
                self.add(bad)
                continue
            first = by_id.setdefault(entry["doc_id"], line)
            if first != line:
                self.add([Finding("E111", rel, line, entry["doc_id"], f"document {entry['doc_id']!r} is listed again "
                                                                      f"(first on line {first})")])
                continue
            if entry["date"] is not None and not schema.is_real_date(entry["date"]):
                self.add([Finding("E203", rel, line, entry["doc_id"], f"date {entry['date']!r} is not a real date")])
            twin = by_text.setdefault(entry["sha256_text"], entry["doc_id"])
            if twin != entry["doc_id"]:
                self.add([Finding("E106", rel, line, entry["doc_id"], f"documents {twin!r} and {entry['doc_id']!r} "
                                                                      "have the same canonical text")])
            doc_id, path = entry["doc_id"], repo.root / entry["path"]
            try:
                raw = read_bytes(path, entry["path"])
            except CorpusError as err:
                self.add([Finding(err.code, rel, line, doc_id, f"{entry['path']}: {err.problem}")])  # E101, E108
                continue
            try:
                text = canonical_text(raw, entry["path"])
            except ControlCharError as err:
                self.add([Finding("E114", entry["path"], err.line, doc_id, f"column {err.column}: {err.problem}")])
                continue
            except CorpusError as err:
                self.add([Finding(err.code, entry["path"], None, doc_id, err.problem)])  # E102, E104
                continue
            if sha256(raw) != entry["sha256_raw"] or sha256(text.encode()) != entry["sha256_text"]:
                self.add([Finding("E105", entry["path"], None, doc_id, "sha256 differs from seeds/manifest.jsonl")])
            elif entry["n_chars"] != len(text):
                self.add([Finding("E112", rel, line, doc_id, f"n_chars is {entry['n_chars']}, but {entry['path']} "
                                                             f"has {len(text)} code points")])
            self.texts[doc_id] = text
        self.gold_files()

    @yields("E115")
    def gold_files(self) -> None:
        """E115: a manifest document annotated in another layer but without a file in the gold layer (the
        release). A document that no layer has yet (just ingested) is not reported: build names it."""
        if GOLD not in self.repo.layers():
            return
        others = [name for name in self.repo.layers() if name != GOLD]
        if not others:
            return
        for doc_id in sorted(self.manifest_ids):
            path = self.repo.layer_file(GOLD, doc_id)
            have = [name for name in others if self.repo.layer_file(name, doc_id).is_file()]
            if have and not path.is_file():
                self.add([Finding("E115", self.repo.rel(path), None, doc_id, f"document {doc_id!r} is annotated in "
                                  f"{', '.join(have)} but the gold layer has no file for it")])

    def splits(self) -> None:
        """annotations/splits.json against the manifest's documents (splitfile.py)."""
        ids = {d for d in self.manifest_ids if isinstance(d, str)} if self.repo.manifest.is_file() else None
        self.add(splitfile.findings(self.repo, ids))

    # -- segments ------------------------------------------------------------
    def _doc_files(self, folder: Path) -> list[tuple[str, Path]]:
        return sorted((p.stem, p) for p in folder.glob("*.jsonl"))

    @yields("E301")
    def _records(self, name: str, doc_id: str, path: Path) -> tuple[str, list[tuple[int, dict]], bool]:
        """(relative path, the records that passed levels 1-2, whether that is every line of the file)."""
        rel = self.repo.rel(path)
        loaded = load_jsonl(path, rel)
        self.add(loaded.findings)
        placed = [(f.line, None) for f in loaded.findings if f.line]  # lines that are not JSON objects
        for line, rec in loaded.records:
            bad = schema_findings(name, rec, rel, line, self.fast)
            self.add(bad)
            placed.append((line, None if bad else rec))
        placed.sort(key=lambda p: p[0])
        good = [(line, rec) for line, rec in placed if rec is not None]
        complete = len(good) == len(placed) and not any(f.line is None for f in loaded.findings)
        self.n_records += len(loaded.records)
        if doc_id not in self.manifest_ids:
            self.add([Finding("E301", rel, None, None, f"document {doc_id!r} is not in seeds/manifest.jsonl")])
            return rel, [], False
        if doc_id not in self.texts:
            return rel, good, complete  # the document itself failed; its findings are already reported
        self.add(sequence_content(doc_id, self.texts.get(doc_id), placed, rel))
        return rel, good, complete

    @yields("E101")
    def segment_files(self) -> None:
        for doc_id in sorted(self.texts):
            path = self.repo.segments_file(doc_id)
            if not path.is_file():
                self.add([Finding("E101", self.repo.rel(path), None, doc_id,
                                  "sentence boundaries are missing; run `claimcorpus ingest` again")])
        for doc_id, path in self._doc_files(self.repo.segments):
            _, good, _ = self._records("segment", doc_id, path)
            self.segments[doc_id] = [(r["index"], r["start"], r["end"], r["text"]) for _, r in good]

    # -- layers --------------------------------------------------------------
    @yields("E102", "E103", "E108", "E201", "E203", "E318", "E322", "E332")
    def layer(self, layer: str) -> None:
        meta_path = self.repo.layer_dir(layer) / "layer.json"
        rel = self.repo.rel(meta_path)
        try:
            meta = orjson.loads(decode_utf8(read_bytes(meta_path, rel), rel))
        except CorpusError as err:
            self.add([Finding(err.code, rel, None, None, err.problem)])  # E102, E108
        except orjson.JSONDecodeError as exc:
            self.add([Finding("E103", rel, exc.lineno, None, f"{exc.msg} at column {exc.colno}")])
        else:
            bad = schema_findings("layer", meta, rel, None) if isinstance(meta, dict) else [
                Finding("E103", rel, None, None, "layer.json must hold one JSON object")]
            self.add(bad)
            if not bad and meta["layer"] != layer:
                self.add([Finding("E318", rel, None, None, f"layer {meta['layer']!r} in folder {layer!r}")])
            if not bad and layer == GOLD and meta["kind"] != "gold":
                self.add([Finding("E322", rel, None, None, f"the gold layer is of kind {meta['kind']!r}")])
            if not bad and not schema.is_real_date(meta["date"]):
                self.add([Finding("E203", rel, None, None, f"date {meta['date']!r} is not a real date")])
            if not bad and meta["guidelines_version"] is not None:
                from claimcorpus.layers import guideline_versions

                versions = guideline_versions(self.repo)
                if versions and meta["guidelines_version"] not in versions:
                    self.add([Finding("E332", rel, None, None, f"guidelines_version {meta['guidelines_version']!r} "
                                      f"is not a version of annotations/GUIDELINES.md ({', '.join(versions)})")])
        for doc_id, path in self._doc_files(self.repo.layer_dir(layer)):
            self.layer_file(doc_id, path, self.segments.get(doc_id))

    @yields("E308")
    def layer_file(self, doc_id: str, path: Path, segments: list | None) -> None:
        """One document's file of a layer: its records, their content, and its boundaries against ``segments``."""
        rel, good, complete = self._records("sentence", doc_id, path)
        for line, rec in good:
            self.add(Finding(code, rel, line, rec["id"], msg) for code, msg in sentence_content(rec))
        if segments is not None and complete:
            got = [(r["index"], r["start"], r["end"], r["text"]) for _, r in good]
            if got != segments:
                missing = sorted({w[0] for w in segments} ^ {g[0] for g in got})
                moved = [g[0] for g in got if g not in segments]
                self.add([Finding("E308", rel, None, None, f"{len(got)} sentences vs {len(segments)} in segments; "
                                                           f"indices differing: {(missing + moved)[:10]}")])



def _jsonl_name(name: str) -> bool:
    """Whether a file name's suffix is .jsonl, as ``Path(name).suffix`` says (``.jsonl`` alone has none).

    >>> _jsonl_name("a.jsonl"), _jsonl_name(".jsonl"), _jsonl_name("a.JSONL"), _jsonl_name("a..jsonl")
    (True, False, False, True)
    """
    return name.endswith(".jsonl") and len(name) > len(".jsonl")


def validate(root: Path, progress=None) -> list[Finding]:
    return Validator(Repo(root)).run(progress)
