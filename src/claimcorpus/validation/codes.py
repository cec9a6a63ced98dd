"""Every validation check, with its stable code. docs/checks.md is generated from this table.

Levels run cheapest first: 1 files parse, 2 JSON Schema, 3 content, 4 corpus (Great Expectations).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    code: str
    name: str
    level: int
    what: str
    fix: str


CHECKS: dict[str, Check] = {c.code: c for c in [
    Check("E101", "missing-file", 1, "a file the repository needs is not there (manifest, seed, segments, layer.json)",
          "give the right path, restore the file from git, or (a seed or its segments) run `claimcorpus ingest`"),
    Check("E102", "not-utf8", 1, "a file is not valid UTF-8 (the byte offset is given)", "re-encode the file as UTF-8"),
    Check("E103", "not-json", 1, "a JSONL line is not a JSON object, or an object holds one key twice",
          "write exactly one JSON object per line, each key once"),
    Check("E104", "empty-text", 1, "a document is empty or only whitespace", "put the document text in the file"),
    Check("E105", "hash-mismatch", 1, "a seed's bytes or canonical text differ from the sha256 in the manifest",
          "restore the original file from git; seeds are never edited"),
    Check("E106", "duplicate-text", 1, "two manifest documents have the same canonical text (sha256_text)",
          "keep one of them: a copy can leak a test document into train"),
    Check("E107", "interrupted-write", 1, "a command was killed while writing: .claimcorpus-txn/ is left (txn.py)",
          "run `claimcorpus recover` (any writing command does it first): it finishes a committed write or rolls back "
          "an uncommitted one"),
    Check("E108", "not-a-file", 1, "a path where the repository needs a file is a directory or cannot be read",
          "replace it with the file (restore it from git), or make it readable"),
    Check("E111", "duplicate-doc", 1, "the manifest lists one doc_id on two lines (the line of the first is given)",
          "delete the repeated line of seeds/manifest.jsonl"),
    Check("E112", "n-chars", 1, "a manifest entry's n_chars is not the number of code points of the seed's canonical "
          "text", "set n_chars to the length the message gives (ingest computes it; never edit it by hand)"),
    Check("E113", "unknown-file", 1, "a layer folder or annotations/segments holds something besides <doc_id>.jsonl "
          "files and its layer.json (segmenter.json), or a folder of annotations/ is neither a layer nor segments",
          "move the file out of annotations/ (a misnamed layer file: rename it <doc_id>.jsonl)"),
    Check("E114", "control-char", 1, "a seed's canonical text holds a control character other than TAB and LF (NUL, "
          "FF, VT, ...) or a U+0085, U+2028 or U+2029 line break (line:column and the character are given)",
          "correct the source (delete the character; a line break: make it LF), remove the document's manifest entry "
          "and layer files, and ingest the corrected text"),
    Check("E115", "gold-missing", 1, "a manifest document has a file in another layer but none in annotations/gold "
          "(the release); a document no layer has yet, just ingested, is not reported",
          "restore the gold file from git, or decide the document's disagreements and run `claimcorpus adjudicate`"),
    Check("E201", "schema", 2, "a record violates its JSON Schema (the JSON path is given)",
          "correct the field as the schema in schema/ describes"),
    Check("E202", "unknown-label", 2, "a label, hedge type, claim type or source type is not in its label set",
          "use one of the labels listed in schema/sentence.schema.json"),
    Check("E203", "date", 2, "a date matches YYYY[-MM[-DD]] but names no real day (2024-13-45)",
          "give a real date, or null when unknown"),
    Check("E204", "splits-shape", 2, "annotations/splits.json is not an object of split -> list of document ids, "
          "or names a split other than train, validation, test",
          'write {"train": [...], "validation": [...], "test": [...]} (`claimcorpus ingest --split` keeps it)'),
    Check("E301", "unknown-doc", 3, "a layer or segments file names a document that is not in the manifest",
          "ingest the document first, or remove the file"),
    Check("E302", "doc-id", 3, "a record's doc_id differs from the document its file belongs to",
          "set doc_id to the file name's stem"),
    Check("E303", "sentence-id", 3, "a sentence id is not '<doc_id>-s<index:04d>'", "rename the id from doc_id and index"),
    Check("E304", "duplicate-id", 3, "a sentence id occurs twice", "keep one record per sentence"),
    Check("E305", "sentence-order", 3, "sentences are not numbered 0, 1, 2, ... in text order without overlap",
          "sort records by start and renumber index"),
    Check("E306", "sentence-text", 3, "a sentence's text is not its slice document_text[start:end]",
          "copy text from the document slice, or correct start/end"),
    Check("E307", "sentence-whitespace", 3, "a sentence begins or ends with whitespace", "trim the sentence and move start/end"),
    Check("E308", "segments-mismatch", 3, "a layer's sentences differ from annotations/segments (missing, extra or moved)",
          "start the layer from the segments (`claimcorpus layer init`) and keep its boundaries"),
    Check("E309", "span-range", 3, "a span's offsets are outside its sentence or start >= end",
          "offsets are code points into the sentence text, end exclusive"),
    Check("E310", "span-text", 3, "a span's text is not its slice sentence_text[start:end]",
          "copy the text from the slice, or correct start/end"),
    Check("E311", "span-whitespace", 3, "a span begins or ends with whitespace", "trim the span"),
    Check("E312", "entity-overlap", 3, "two entity spans overlap (entities are flat, as in OntoNotes)",
          "keep the longer, correct mention and delete the other"),
    Check("E313", "duplicate-span", 3, "the same span is annotated twice in one layer list", "delete the repeat"),
    Check("E314", "hedge-scope", 3, "a hedge scope is outside the sentence or does not contain its cue",
          "make scope_start <= start and end <= scope_end within the sentence"),
    Check("E315", "claim-source", 3, "a claim's mention source is outside the sentence or its text is not the slice",
          "point source start/end at the asserting mention in the same sentence"),
    Check("E316", "flag-hedged", 3, "'hedged' is not equal to 'the sentence has a hedge cue'",
          "set hedged to true exactly when hedges is non-empty"),
    Check("E317", "flag-checkworthy", 3, "'checkworthy' is not equal to 'the sentence has a check-worthy claim'",
          "set checkworthy to true exactly when a claim has checkworthy: true"),
    Check("E319", "hedge-overlap", 3, "two hedge cues overlap (cues never overlap; scopes may nest)",
          "keep one cue, or split them into adjacent cues (GUIDELINES HEDGE-11, HEDGE-16)"),
    Check("E321", "split-membership", 3, "a document is in two splits or in none, or a split lists a document "
          "the manifest does not have", "put each document of seeds/manifest.jsonl in exactly one split"),
    Check("E322", "gold-kind", 3, "the layer in annotations/gold/ is not of kind \"gold\" (an annotator's or a "
          "model's layer was put in its place)", "import the pass under its own layer and adjudicate into gold "
          "(`claimcorpus adjudicate`), or set kind to \"gold\" if it is the adjudicated layer"),
    Check("E330", "gold-undecided", 3, "a gold span differs from both adjudicated passes without a decision in "
          "annotations/adjudication.jsonl", "decide it in the decisions file and run `claimcorpus adjudicate`, "
          "or restore the span as the passes have it"),
    Check("E331", "unknown-rule", 3, "an adjudication decision cites a rule id that annotations/GUIDELINES.md does "
          "not define", "cite a rule the current guidelines define, or add the rule to the guidelines"),
    Check("E332", "guidelines-version", 3, "a layer.json names a guidelines_version that annotations/GUIDELINES.md "
          "does not have (its Version line and changelog rows list them)", "set the version the annotators used, "
          "or null when unknown; a new version goes into the guidelines' changelog first"),
    Check("E318", "layer-name", 3, "layer.json names another layer than its folder", "set 'layer' to the folder name"),
    Check("E401", "gx-unique-id", 4, "a release table repeats a sentence id or doc_id, or holds the same span twice",
          "rebuild from annotations that pass level 3 (E304, E313); never edit corpus/ by hand"),
    Check("E402", "gx-not-null", 4, "a required column of a release table is null",
          "rebuild; if it persists, the table builder (tables.py) drops the field"),
    Check("E403", "gx-label-set", 4, "a label column holds a value that is not a ClassLabel id of its set in schema/",
          "encode labels with claimcorpus.tables from schema/sentence.schema.json and rebuild"),
    Check("E404", "gx-offsets", 4, "offsets break 0 <= start < end <= text length (sentence, span, scope, source, n_chars)",
          "correct the offsets in annotations/ (level 3 shows where) and rebuild"),
    Check("E405", "gx-empty-text", 4, "a document, sentence or span text in a release table is empty",
          "rebuild from annotations that pass levels 1-3"),
    Check("E406", "gx-row-counts", 4, "row counts disagree across configs (span rows vs sentence counts, sentences vs n_sentences)",
          "rebuild every config together from one gold snapshot"),
    Check("E407", "gx-flags", 4, "a sentence's hedged or checkworthy flag disagrees with its rows in the hedges or claims table",
          "derive the flags from the spans (level 3 E316, E317) and rebuild"),
    Check("E408", "gx-corpus-bounds", 4, "a corpus statistic (hedged share, entities or claims per sentence) is outside CORPUS_BOUNDS",
          "look for a lost or duplicated layer; if the data is right, change CORPUS_BOUNDS in validation/level4/suite.py with a reason"),
    Check("E409", "gx-slice-text", 4, "a text column is not the slice its offsets point at (in the sentence or the document)",
          "rebuild so that offsets and texts come from the same gold record"),
    Check("E410", "gx-unknown-id", 4, "a row names a document or sentence not in the release, or another document than its sentence",
          "rebuild every config from the same documents and gold layer"),
]}


YIELDED_BY: dict[str, list[str]] = {}  # code -> the functions registered as yielding it (tests/test_validate.py)


def yields(*codes: str) -> Callable:
    """Register the decorated check function as the one that yields ``codes`` (each in CHECKS).

    A code is never derived from a message: the function that finds a fault names its code, and
    this registry says which function that is.
    """
    def mark(fn: Callable) -> Callable:
        for code in codes:
            if code not in CHECKS:
                raise KeyError(f"{fn.__qualname__} yields {code}, which is not in validation.codes.CHECKS")
            YIELDED_BY.setdefault(code, []).append(f"{fn.__module__}.{fn.__qualname__}")
        fn.codes = codes
        return fn
    return mark


def check(code: str) -> Check:
    return CHECKS[code]


def table_markdown() -> str:
    from claimcorpus.markdown import table

    return table(["code", "name", "level", "what it finds", "fix"],
                 [[c.code, f"`{c.name}`", c.level, c.what, c.fix] for c in CHECKS.values()])
