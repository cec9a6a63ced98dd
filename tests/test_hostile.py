"""The hostile suite: a user trying to break the repository with ordinary commands.

Each row is a command line, the input it is given, the exit code, the words its output must hold
(the one ``error:`` line, or the success line), and the state of the repository afterwards:
``SAME`` (byte-identical to before) or a check of the new state against independent facts.
Rows marked ``#n`` reproduce problem n of issue 10. Commands run in-process through
``claimcorpus.cli.run`` (the console script is a one-line wrapper over it).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import socket
import stat
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from claimcorpus import cli
from claimcorpus.labelstudio.tasks import export_tasks
from claimcorpus.layout import Repo
from claimcorpus.scaffold import init
from claimcorpus.validation.repository import Validator
from conftest import BASE, ROOT, TEXTS, tree

D = "base1"
SAME = "same"


def cc(*argv: str | Path, cwd: Path) -> tuple[int, str, str]:
    """``claimcorpus ARGV`` in ``cwd``, in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    here = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.run([str(a) for a in argv])
    finally:
        os.chdir(here)
    return code, out.getvalue(), err.getvalue()


# -- setups: each prepares the repository (root) and the outside world (tmp) before the snapshot ---------

def put(rel: str, data: str | bytes, *, outside: bool = False):
    def setup(root: Path, tmp: Path) -> None:
        path = (tmp if outside else root) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return setup


def edit_gold(line: int, change: Callable[[dict], None]):
    def setup(root: Path, tmp: Path) -> None:
        path = root / "annotations" / "gold" / f"{D}.jsonl"
        lines = path.read_text(encoding="utf-8").splitlines()
        rec = json.loads(lines[line])
        change(rec)
        lines[line] = json.dumps(rec, ensure_ascii=False)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return setup


def edit_segments(change: Callable[[dict], None]):
    def setup(root: Path, tmp: Path) -> None:
        path = root / "annotations" / "segments" / f"{D}.jsonl"
        lines = path.read_text(encoding="utf-8").splitlines()
        rec = json.loads(lines[0])
        change(rec)
        lines[0] = json.dumps(rec)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return setup


def export(change: Callable[[list], object] | None = None, raw: bytes | None = None):
    """tmp/export.json: the gold layer exported as Label Studio tasks, then changed as a hostile user would."""
    def setup(root: Path, tmp: Path) -> None:
        if raw is not None:
            (tmp / "export.json").write_bytes(raw)
            return
        tasks = export_tasks(Repo(root), review="gold")
        if change is not None:
            change(tasks)
        (tmp / "export.json").write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return setup


def first_region(tasks: list) -> dict:
    return next(r for r in tasks[0]["annotations"][0]["result"] if "value" in r and "start" in r["value"])


def both(*setups):
    def setup(root: Path, tmp: Path) -> None:
        for s in setups:
            s(root, tmp)
    return setup


def env(**values: str):
    def setup(root: Path, tmp: Path) -> None:
        for k, v in values.items():
            os.environ[k] = v
    return setup


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def layer_copy(name: str, line: int | None = None, change: Callable[[dict], None] | None = None):
    """annotations/NAME: a copy of the gold layer as an annotator's pass, with record ``line`` changed."""
    def setup(root: Path, tmp: Path) -> None:
        gold, layer = root / "annotations" / "gold", root / "annotations" / name
        layer.mkdir()
        meta = json.loads((gold / "layer.json").read_text(encoding="utf-8"))
        (layer / "layer.json").write_text(json.dumps({**meta, "layer": name, "kind": "annotator"}), encoding="utf-8")
        lines = (gold / f"{D}.jsonl").read_text(encoding="utf-8").splitlines()
        if change is not None:
            rec = json.loads(lines[line])
            change(rec)
            lines[line] = json.dumps(rec, ensure_ascii=False)
        (layer / f"{D}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return setup


def git_commit(root: Path, tmp: Path) -> None:
    """The repository as a git repository with one commit of everything (for `diff REV`)."""
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.email=t@t", "-c", "user.name=t", *args], cwd=root, check=True,
                       capture_output=True)
    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "state")


def committed_then_restored(setup):
    """``setup``'s change committed to git, then the working tree restored: only the revision holds it."""
    def run(root: Path, tmp: Path) -> None:
        saved = tree(root)
        setup(root, tmp)
        git_commit(root, tmp)
        for rel, data in saved.items():
            (root / rel).write_bytes(data)
    return run


def start_a(rec: dict) -> None:
    rec["entities"][0]["start"] = "a"


def planet(rec: dict) -> None:
    rec["entities"][0]["label"] = "PLANET"


def fifo(name: str):
    def setup(root: Path, tmp: Path) -> None:
        os.mkfifo(tmp / name)
    return setup


def link(rel: str, target: str, *, outside: bool = True, mkdir: bool = True):
    """root/REL becomes a symlink to tmp/TARGET (or root/TARGET), created as a folder first with ``mkdir``."""
    def setup(root: Path, tmp: Path) -> None:
        dest = (tmp if outside else root) / target
        if mkdir:
            dest.mkdir(parents=True, exist_ok=True)
        here = root / rel
        if here.is_dir():
            shutil.rmtree(here)
        elif here.exists():
            here.unlink()
        here.symlink_to(dest)
    return setup


def fresh_repo(root: Path, tmp: Path) -> None:
    init(tmp / "fresh")


def long_document() -> str:
    """10,050 sentences, one line: ids run past -s9999 (audit F5)."""
    who = ["The council", "A spokesman", "Officials", "The minister", "Residents"]
    what = ["said the road was closed", "denied that prices rose", "reported a delay", "confirmed the plan"]
    return " ".join(f"{who[i % 5]} {what[i % 4]} on day {i}." for i in range(10_050)) + "\n"


def long_ingested(before: dict, after: dict, root: Path) -> None:
    ingested("long.txt", "long", "train", long_document().encode())(before, after, root)
    ids = [json.loads(x)["id"] for x in after["annotations/segments/long.jsonl"].decode().splitlines()]
    assert len(ids) == 10_050 and ids[9_999:10_001] == ["long-s9999", "long-s10000"]  # the index, unpadded past 4 digits
    assert not Validator(Repo(root)).run()  # the schema takes them (s[0-9]{4,})


def decisions(a: str, b: str):
    return put("d.jsonl", json.dumps({"record": "adjudication", "a": a, "b": b,
                                      "gold": {"layer": "gold2"}}) + "\n", outside=True)


def only_new(*paths: str):
    """Like changed_only, for files that did not exist before."""
    def check(before: dict, after: dict, root: Path) -> None:
        changed_only(*paths)(before, after, root)
        assert not any(p in before for p in paths)
    return check


def corpus_stub(root: Path, tmp: Path) -> None:
    put("corpus/README.md", "card\n")(root, tmp)
    put("corpus/release.json", '{"version": "%s"}' % __import__("claimcorpus").__version__)(root, tmp)


def dead_lock(committed: bool):
    """A lock left by a killed command (pid 999999999 is not alive): a staged file, with or without its journal."""
    def setup(root: Path, tmp: Path) -> None:
        txn = root / ".claimcorpus-txn"
        (txn / "stage").mkdir(parents=True)
        (txn / "old").mkdir()
        (txn / "command.json").write_text(json.dumps({"command": "ls export", "pid": 999999999}))
        (txn / "stage" / "0").write_text("staged\n")
        if committed:
            (txn / "journal.json").write_text(json.dumps({"command": "ls export", "ops": [["put", "build/x.txt"]]}))
    return setup


def lock_state(committed: bool):
    def check(before: dict, after: dict, root: Path) -> None:
        assert not (root / ".claimcorpus-txn").exists()
        rest = {k: v for k, v in after.items() if k != "build/x.txt"}
        assert rest == {k: v for k, v in before.items() if not k.startswith(".claimcorpus-txn/")}
        assert after.get("build/x.txt") == (b"staged\n" if committed else None)  # finished, or rolled back
    return check


GUIDELINES = put("annotations/GUIDELINES.md", (ROOT / "annotations" / "GUIDELINES.md").read_bytes())  # the card cites it
NEW_DOC = "Storm hits the coast. Ferries stop at 9 p.m.\n"


# -- audit A1-A27 (notes/audit.md): setups ------------------------------------------------------------------

SEED = (BASE / "seeds" / f"{D}.txt").read_bytes()
MANIFEST = (BASE / "seeds" / "manifest.jsonl").read_text(encoding="utf-8")


def second_layer(root: Path, tmp: Path) -> None:
    """A layer pass-a beside gold (written by layer init), so gold's files can go missing."""
    assert cc("layer", "init", "pass-a", "--annotator", "ann", cwd=root)[0] == 0


def gone(rel: str, to: str | None = None):
    def setup(root: Path, tmp: Path) -> None:
        (root / rel).rename(root / to) if to else (root / rel).unlink()
    return setup


def manifest_n_chars(root: Path, tmp: Path) -> None:
    entry = json.loads(MANIFEST)
    entry["n_chars"] = 5
    (root / "seeds" / "manifest.jsonl").write_text(json.dumps(entry) + "\n", encoding="utf-8")


def gold_key_twice(root: Path, tmp: Path) -> None:
    path = root / "annotations" / "gold" / f"{D}.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0][:-1] + ', "entities": []}'  # a bad merge: the key again, the later one wins in orjson
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def worksheet(change: Callable[[list], None]):
    """Two passes that disagree on one hedge cue of sentence 0, their worksheet ws.jsonl, decided by ``change``."""
    def setup(root: Path, tmp: Path) -> None:
        GUIDELINES(root, tmp)
        for name in ("pass-a", "pass-b"):
            assert cc("layer", "init", name, "--annotator", "ann", cwd=root)[0] == 0
        gold = json.loads((root / "annotations" / "gold" / f"{D}.jsonl").read_text(encoding="utf-8").splitlines()[0])
        edit = root / "annotations" / "pass-a" / f"{D}.jsonl"
        lines = edit.read_text(encoding="utf-8").splitlines()
        rec = json.loads(lines[0])
        rec.update(hedges=gold["hedges"], hedged=True)
        lines[0] = json.dumps(rec, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        edit.write_text("\n".join(lines) + "\n", encoding="utf-8")
        assert cc("agreement", "pass-a", "pass-b", "--worksheet", "ws.jsonl", cwd=root)[0] == 0
        recs = [json.loads(x) for x in (root / "ws.jsonl").read_text(encoding="utf-8").splitlines()]
        for r in recs[1:]:
            r.update(decision="a", rules=["HEDGE-4a"])
        change(recs)
        (root / "ws.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return setup


def decide_other(item: dict):
    def change(recs: list) -> None:
        recs[1].update(decision="other", gold=[item])
    return change


# -- checks of a correct new state -----------------------------------------------------------------------

def changed_only(*paths: str):
    """Every file but ``paths`` is byte-identical to before; ``paths`` are new or changed."""
    def check(before: dict, after: dict, root: Path) -> None:
        assert {k: v for k, v in after.items() if k not in paths} == {k: v for k, v in before.items() if k not in paths}
        assert all(p in after and after[p] != before.get(p) for p in paths), [p for p in paths if p not in after]
    return check


def ingested(name: str, doc_id: str, split: str, raw: bytes):
    def check(before: dict, after: dict, root: Path) -> None:
        changed_only(f"seeds/{name}", f"annotations/segments/{doc_id}.jsonl", "seeds/manifest.jsonl",
                     "annotations/splits.json")(before, after, root)
        assert after[f"seeds/{name}"] == raw  # byte for byte
        entries = [json.loads(x) for x in after["seeds/manifest.jsonl"].decode().splitlines()]
        assert [e["doc_id"] for e in entries] == sorted([D, doc_id])
        assert doc_id in json.loads(after["annotations/splits.json"])[split]
        text = raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        for line in after[f"annotations/segments/{doc_id}.jsonl"].decode().splitlines():
            seg = json.loads(line)
            assert text[seg["start"]:seg["end"]] == seg["text"]  # against the source text
    return check


def ordinary_modes(before: dict, after: dict, root: Path) -> None:
    """#11: a built release has ordinary permissions (files 0644-like, folders 0755-like under umask 022)."""
    mask = os.umask(0)
    os.umask(mask)
    for p in [root / "corpus", *(root / "corpus").rglob("*")]:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o777 if p.is_dir() else 0o666) & ~mask, (p, oct(mode))


def exported(rel: str):
    def check(before: dict, after: dict, root: Path) -> None:
        changed_only(rel)(before, after, root)
        tasks = json.loads(after[rel])
        gold = [json.loads(x) for x in before[f"annotations/gold/{D}.jsonl"].decode().splitlines()]
        assert [t["data"]["text"] for t in tasks] == [g["text"] for g in gold]
    return check


@dataclass
class Row:
    id: str
    argv: tuple
    exit: int
    expect: str
    setup: Callable | None = None
    state: object = SAME
    cwd: str = "."
    marks: list = field(default_factory=list)


ROWS = [
    # 1: writes outside the repository, or reads outside its folders
    Row("#1 layer init ../../../outside", ("layer", "init", "../../../outside"), 1, "is invalid"),
    Row("#1 layer init /an/absolute/path", ("layer", "init", "/an/absolute/path"), 1, "is invalid"),
    Row("#1 layer init --doc ../../seeds/manifest", ("layer", "init", "x", "--doc", "../../seeds/manifest"), 1,
        "no document '../../seeds/manifest'"),
    Row("#1 ls import doc_id ../../seeds/manifest", ("ls", "import", "{tmp}/export.json", "--annotator", "x"), 1,
        "does not match",
        export(lambda ts: ts[0]["data"].update(doc_id="../../seeds/manifest"))),
    # 2: exports and pulls never overwrite data, nor write into a folder
    Row("#2 ls export --out seeds/manifest.jsonl", ("ls", "export", "--out", "seeds/manifest.jsonl"), 1,
        "seeds/ holds the corpus data"),
    Row("#2 ls pull --out annotations/gold/D.jsonl", ("ls", "pull", "--project", "1", "--out",
                                                      f"annotations/gold/{D}.jsonl"), 1, "annotations/ holds the corpus data"),
    Row("#2 ls export --out SOME_DIR", ("ls", "export", "--out", "build"), 1, "is a folder", put("build/x", "")),
    # 3: half-written states -- see test_crash.py; the leftovers validate must name:
    Row("#3 layer init --doc D --doc nosuch", ("layer", "init", "x", "--doc", D, "--doc", "nosuch"), 1,
        "no document 'nosuch'"),
    Row("#3 a layer folder without layer.json", ("validate", "--no-gx"), 1, "E101",
        put("annotations/x/base1.jsonl", "{}\n")),
    Row("#3 a leftover staging folder", ("validate", "--no-gx"), 1, "E107",
        put(".claimcorpus-txn/command.json", '{"command": "ingest", "pid": 999999999}')),
    # 5: integral floats are findings, not crashes
    Row("#5 gold start 33.0", ("validate", "--no-gx"), 1, "E201",
        edit_gold(1, lambda r: r["entities"][0].update(start=float(r["entities"][0]["start"])))),
    Row("#5 gold index 5.0", ("validate", "--no-gx"), 1, "E201", edit_gold(0, lambda r: r.update(index=0.0))),
    Row("#5 segments start 0.0", ("validate", "--no-gx"), 1, "E201", edit_segments(lambda r: r.update(start=0.0))),
    Row("#5 build with start 33.0", ("build",), 1, "annotations/gold/base1.jsonl: 1 validation findings",
        edit_gold(1, lambda r: r["entities"][0].update(start=float(r["entities"][0]["start"])))),
    Row("#5 ls import start 33.0", ("ls", "import", "{tmp}/export.json", "--annotator", "x"), 1,
        "0.0 is written as a decimal; write the whole number 0", export(lambda ts: first_region(ts)["value"].update(start=0.0))),
    # 6: full matches, real dates, valid names
    Row("#6 ingest --id 'abc\\n'", ("ingest", "{tmp}/new.txt", "--id", "abc\n"), 1, "--id 'abc\\n' is invalid",
        put("new.txt", NEW_DOC, outside=True)),
    Row("#6 layer init --annotator 'jane\\n'", ("layer", "init", "x", "--annotator", "jane\n"), 1, "annotator 'jane\\n'"),
    Row("#6 ingest --date '2024\\n'", ("ingest", "{tmp}/new.txt", "--date", "2024\n"), 1, "--date '2024\\n' is invalid",
        put("new.txt", NEW_DOC, outside=True)),
    Row("#6 ingest --language 'en\\n'", ("ingest", "{tmp}/new.txt", "--language", "en\n"), 1,
        "--language 'en\\n' is invalid", put("new.txt", NEW_DOC, outside=True)),
    Row("#6 ingest --date 2024-13-45", ("ingest", "{tmp}/new.txt", "--date", "2024-13-45"), 1, "not a real date",
        put("new.txt", NEW_DOC, outside=True)),
    Row("#6 layer init 'My Layer'", ("layer", "init", "My Layer"), 1, "'My Layer' is invalid"),
    Row("#6 layer init --kind bogus", ("layer", "init", "x", "--kind", "bogus"), 1, "kind 'bogus' is invalid"),
    # 7: outside a repository
    Row("#7 ingest outside a repository", ("ingest", "a.txt"), 1, "not inside a claimcorpus repository",
        put("a.txt", NEW_DOC, outside=True), cwd="{tmp}"),
    # 8: one text, one split
    Row("#8 ingest seeds/D.txt --id leak --split train", ("ingest", f"seeds/{D}.txt", "--id", "leak", "--split", "train"),
        1, "the same text is already in the manifest as 'base1'"),
    Row("#8 re-ingest with another --split", ("ingest", f"seeds/{D}.txt", "--split", "test"), 1,
        "already in split 'train', not 'test'"),
    # 9: tracebacks where one line is due
    Row("#9 broken splits.json", ("ingest", "{tmp}/new.txt"), 1, "annotations/splits.json: not JSON",
        both(put("annotations/splits.json", '{"train": ['), put("new.txt", NEW_DOC, outside=True))),
    Row("#9 layer.json nested 10,000 deep", ("validate", "--no-gx"), 1, "E103",
        put("annotations/gold/layer.json", nested(10_000))),
    Row("#9 LS export nested 10,000 deep", ("ls", "import", "{tmp}/export.json", "--annotator", "x"), 1, "not JSON",
        export(raw=nested(10_000).encode())),
    Row("#9 LS result items are strings", ("ls", "import", "{tmp}/export.json", "--annotator", "x"), 1,
        "is not of type 'object'", export(lambda ts: ts[0]["annotations"][0].update(result=["a", "b"]))),
    Row("#9 LS result is an object", ("ls", "import", "{tmp}/export.json", "--annotator", "x"), 1,
        "is not of type 'array', 'null'", export(lambda ts: ts[0]["annotations"][0].update(result={"a": 1}))),
    Row("#9 LS value is a list", ("ls", "import", "{tmp}/export.json", "--annotator", "x"), 1,
        "is not of type 'object'", export(lambda ts: first_region(ts).update(value=[1, 2]))),
    Row("#9 LABEL_STUDIO_URL port 99999", ("ls", "push"), 1, "Port out of range",
        env(LABEL_STUDIO_URL="http://localhost:99999", LABEL_STUDIO_API_KEY="x")),
    Row("#9 LABEL_STUDIO_URL http://[::1", ("ls", "push"), 1, "Invalid IPv6 URL",
        env(LABEL_STUDIO_URL="http://[::1", LABEL_STUDIO_API_KEY="x")),
    Row("#9 --title not UTF-8", ("ingest", "{tmp}/new.txt", "--title", "caf\udce9"), 1, "is not valid UTF-8",
        put("new.txt", NEW_DOC, outside=True)),
    Row("#9 publish with no network", ("publish", "--repo-id", "a/b"), 1, "error: a/b: ",
        both(put("corpus/README.md", "card\n"), put("corpus/release.json", '{"version": "%s"}' % __import__(
            "claimcorpus").__version__), lambda r, t: os.environ.update(HF_TOKEN="x", HF_ENDPOINT=f"http://127.0.0.1:{free_port()}")),
        marks=[pytest.mark.timeout(120)]),
    Row("#9 publish --repo-id '../../x y'", ("publish", "--repo-id", "../../x y"), 1, "not a Hub repository id",
        both(put("corpus/README.md", "card\n"), put("corpus/release.json", '{"version": "%s"}' % __import__(
            "claimcorpus").__version__), env(HF_TOKEN="x"))),
    Row("publish --dry-run --repo-id 'a b/c' (audit F1)", ("publish", "--repo-id", "a b/c", "--dry-run"), 1,
        "not a Hub repository id", both(put("corpus/README.md", "card\n"), put("corpus/release.json", '{"version": "%s"}' % __import__(
            "claimcorpus").__version__), env(HF_HUB_OFFLINE="1"))),
    # 10-12: silently wrong or misleading
    Row("#10 --offsets utf16 on regions without text", ("ls", "import", "{tmp}/export.json", "--annotator", "x",
                                                         "--offsets", "utf16"), 1, "carries no text",
        export(lambda ts: [r["value"].pop("text", None) for t in ts for a in t["annotations"] for r in a["result"]
                           if "value" in r])),
    Row("#12 a UTF-16 file", ("ingest", "{tmp}/u16.txt"), 1, "is UTF-16LE",
        put("u16.txt", "\ufeffStorm hits.\n".encode("utf-16-le"), outside=True)),
    Row("#12 a UTF-32 file", ("segment", "{tmp}/u32.txt"), 1, "is UTF-32LE",
        put("u32.txt", "\ufeffStorm hits.\n".encode("utf-32-le"), outside=True)),
    Row("#12 region start '33'", ("ls", "import", "{tmp}/export.json", "--annotator", "x"), 1,
        "'33' is not of type 'integer'", export(lambda ts: first_region(ts)["value"].update(start="33"))),
    Row("#12 layer init segments", ("layer", "init", "segments"), 1, "holds the sentence boundaries, not a layer"),
    Row("#12 utf16 refusal names the other unit", ("ls", "import", "{tmp}/export.json", "--annotator", "x",
                                                    "--offsets", "utf16"), 1, "pass --offsets codepoint",
        export(lambda ts: first_region(ts)["value"].update(start=first_region(ts)["value"]["start"] + 1))),
    Row("#12 validate --max-errors -1", ("validate", "--max-errors", "-1"), 1, "greater than or equal to 0"),
    # successes: the correct new state
    Row("#11 build: ordinary permissions", ("build",), 0, "built corpus/", GUIDELINES, state=ordinary_modes),
    Row("ingest CRLF + BOM + emoji + euro", ("ingest", "{tmp}/crlf_bom.txt", "--split", "test"), 0,
        "ingested crlf_bom", put("crlf_bom.txt", (TEXTS / "crlf_bom.txt").read_bytes(), outside=True),
        ingested("crlf_bom.txt", "crlf_bom", "test", (TEXTS / "crlf_bom.txt").read_bytes())),
    Row("ingest a real leap day", ("ingest", "{tmp}/new.txt", "--date", "2024-02-29", "--id", "leap"), 0,
        "ingested leap", put("new.txt", NEW_DOC, outside=True), ingested("new.txt", "leap", "train", NEW_DOC.encode())),
    Row("re-ingest the same file and split: no-op", ("ingest", f"seeds/{D}.txt", "--split", "train"), 0, f"ingested {D}"),
    Row("layer init writes the whole layer", ("layer", "init", "pass-c", "--annotator", "carol"), 0,
        "annotations/pass-c/base1.jsonl",
        state=changed_only("annotations/pass-c/base1.jsonl", "annotations/pass-c/layer.json")),
    Row("ls export --out inside the repository", ("ls", "export", "--out", "build/tasks.json"), 0, "",
        state=exported("build/tasks.json")),
    Row("ls export --force replaces an export", ("ls", "export", "--out", "tasks.json", "--force"), 0, "",
        put("tasks.json", "old\n"), exported("tasks.json")),
    # audit A1-A27 (notes/audit.md)
    Row("A1 ingest a text with a NUL byte", ("ingest", "{tmp}/nul.txt"), 1, "nul.txt:1:19: holds U+0000 NULL",
        put("nul.txt", b"The text has a NUL\x00 byte inside. Second sentence.\n", outside=True)),
    Row("A2 ingest a form feed", ("ingest", "{tmp}/ff.txt"), 1, "holds U+000C FORM FEED",
        put("ff.txt", b"Form\x0cfeed here. End.\n", outside=True)),
    Row("A2 ingest a vertical tab", ("ingest", "{tmp}/vt.txt"), 1, "holds U+000B LINE TABULATION",
        put("vt.txt", b"Vertical\x0btab here. End.\n", outside=True)),
    Row("A2 ingest a NEL", ("ingest", "{tmp}/nel.txt"), 1, "holds U+0085 NEXT LINE (a line break",
        put("nel.txt", "A NEL\x85 here. End.\n".encode(), outside=True)),
    Row("A2 ingest a U+2028", ("ingest", "{tmp}/ls.txt"), 1, "U+2028 LINE SEPARATOR (a line break",
        put("ls.txt", "A line\u2028separator here. End.\n".encode(), outside=True)),
    Row("A2 segment a U+2029", ("segment", "{tmp}/ps.txt"), 1, "ps.txt:2:3: holds U+2029 PARAGRAPH SEPARATOR",
        put("ps.txt", "One.\nTw\u2029o.\n".encode(), outside=True)),
    Row("A1 validate a seed with a NUL", ("validate", "--no-gx"), 1, "seeds/base1.txt:1: E114 control-char",
        put(f"seeds/{D}.txt", SEED[:13] + b"\x00" + SEED[14:])),
    Row("A1 build a seed with a NUL", ("build",), 1, "holds U+0000 NULL",
        both(GUIDELINES, put(f"seeds/{D}.txt", SEED[:13] + b"\x00" + SEED[14:]))),
    Row("A27 ingest --title with a newline", ("ingest", "{tmp}/new.txt", "--title", "Line1\nLine2"), 1,
        "--title 'Line1\\nLine2' holds U+000A", put("new.txt", NEW_DOC, outside=True)),
    Row("A27 ingest --source with a bell", ("ingest", "{tmp}/new.txt", "--source", "ap\x07"), 1,
        "holds U+0007 BELL", put("new.txt", NEW_DOC, outside=True)),
    Row("A27 ingest --license with a tab", ("ingest", "{tmp}/new.txt", "--license", "CC-BY-4.0\t"), 1,
        "holds U+0009", put("new.txt", NEW_DOC, outside=True)),
    Row("A10 the gold file of an annotated document deleted", ("validate", "--no-gx"), 1,
        f"annotations/gold/{D}.jsonl: E115 gold-missing", both(second_layer, gone(f"annotations/gold/{D}.jsonl"))),
    Row("A10 the gold file renamed .JSONL", ("validate", "--no-gx"), 1, f"annotations/gold/{D}.JSONL: E113",
        both(second_layer, gone(f"annotations/gold/{D}.jsonl", f"annotations/gold/{D}.JSONL"))),
    Row("A10 a newly ingested document without gold is valid", ("validate", "--no-gx"), 0, "valid: 2 documents",
        both(put("new.txt", NEW_DOC, outside=True),
             lambda r, t: cc("ingest", t / "new.txt", "--id", "fresh", cwd=r))),
    Row("A11 the manifest line twice", ("validate", "--no-gx"), 1, "seeds/manifest.jsonl:2: E111 duplicate-doc",
        put("seeds/manifest.jsonl", MANIFEST + MANIFEST)),
    Row("A12 manifest n_chars 5", ("validate", "--no-gx"), 1, "E112 n-chars [base1] n_chars is 5, but",
        manifest_n_chars),
    Row("A13 a key twice in a gold line", ("validate", "--no-gx"), 1, "key 'entities' occurs twice", gold_key_twice),
    Row("A14 notes.txt in a layer folder", ("validate", "--no-gx"), 1, "annotations/gold/notes.txt: E113",
        put("annotations/gold/notes.txt", "notes\n")),
    Row("A14 sub/x.jsonl in a layer folder", ("validate", "--no-gx"), 1, "annotations/gold/sub/: E113",
        put("annotations/gold/sub/x.jsonl", "garbage\n")),
    Row("A14 a stray file in segments", ("validate", "--no-gx"), 1, "annotations/segments/x.txt: E113",
        put("annotations/segments/x.txt", "x\n")),
    Row("A16 a folder of annotations/ that is no layer", ("validate", "--no-gx"), 1, "annotations/inner/: E113",
        put("annotations/inner/README.md", "x\n")),
    Row("A24 adjudicate an 'other' hedge outside its sentence", ("adjudicate", "pass-a", "pass-b", "--decisions",
                                                                   "ws.jsonl", "--overwrite"), 1,
        "ws.jsonl:2: D1 ('other') gives base1-s0000 an invalid hedge cue: E309",
        worksheet(decide_other({"start": 5, "end": 9000, "text": "nonsense", "type": "epistemic", "scope_start": 0,
                                "scope_end": 9001}))),
    Row("A24 adjudicate an 'other' hedge whose text is not its slice", ("adjudicate", "pass-a", "pass-b",
                                                                        "--decisions", "ws.jsonl", "--overwrite"), 1,
        "ws.jsonl:2: D1 ('other') gives base1-s0000 an invalid hedge cue: E310",
        worksheet(decide_other({"start": 23, "end": 26, "text": "can", "type": "modal", "scope_start": 23,
                                "scope_end": 30}))),
    Row("A24 adjudicate an 'other' hedge without type and scope", ("adjudicate", "pass-a", "pass-b", "--decisions",
                                                                "ws.jsonl", "--overwrite"), 1,
        "D1 ('other') gives base1-s0000 an invalid hedge cue: E201",
        worksheet(decide_other({"start": 23, "end": 26, "text": "may"}))),
    Row("A24 adjudicate a valid 'other' hedge", ("adjudicate", "pass-a", "pass-b", "--decisions", "ws.jsonl",
                                                 "--overwrite"), 0, "wrote",
        worksheet(decide_other({"start": 23, "end": 26, "text": "may", "type": "modal", "scope_start": 23,
                                "scope_end": 30})),
        state=lambda before, after, root: [json.loads(x) for x in after[f"annotations/gold/{D}.jsonl"].decode(
        ).splitlines()][0]["hedges"] == [{"start": 23, "end": 26, "text": "may", "type": "modal", "scope_start": 23,
                                          "scope_end": 30}] or pytest.fail("gold lacks the decided hedge")),
    Row("A19 a decision line twice", ("adjudicate", "pass-a", "pass-b", "--decisions", "ws.jsonl", "--overwrite"), 1,
        "ws.jsonl:3: D1 decides the disagreement that line 2 (D1) decides", worksheet(lambda recs: recs.append(recs[1]))),
    Row("A4 ls import a task text changed after character 40", ("ls", "import", "{tmp}/export.json", "--annotator",
                                                                  "x"), 1, "differ at character 43: '…f €4.2bn, ROUGHLY",  # roughly is 43:50 (fixtures/README.md)
        export(lambda ts: ts[1]["data"].update(text=ts[1]["data"]["text"].replace("roughly", "ROUGHLY")))),
    Row("A4 ls import a wrong text_sha256", ("ls", "import", "{tmp}/export.json", "--annotator", "x"), 1,
        "task text_sha256 is '0000000000000000'", export(lambda ts: ts[0]["data"].update(text_sha256="0" * 64))),
    Row("A4 ls import without text_sha256", ("ls", "import", "{tmp}/export.json", "--annotator", "x"), 1,
        "task text_sha256 is missing", export(lambda ts: ts[0]["data"].pop("text_sha256"))),
    Row("A5 ls import a region without text (code points)", ("ls", "import", "{tmp}/export.json", "--annotator", "x"),
        1, "carries no text, so nothing confirms its code point offsets",
        export(lambda ts: first_region(ts)["value"].pop("text"))),
    Row("A6 ls import data.index contradicting sentence_id", ("ls", "import", "{tmp}/export.json", "--annotator", "x"),
        1, "task index 2 contradicts sentence_id base1-s0001", export(lambda ts: ts[1]["data"].update(index=2))),
    Row("A6 ls import data.index as a string", ("ls", "import", "{tmp}/export.json", "--annotator", "x"), 1,
        "task index '1' contradicts", export(lambda ts: ts[1]["data"].update(index="1"))),
    Row("A7 ls import a region of type rectanglelabels", ("ls", "import", "{tmp}/export.json", "--annotator", "x"), 1,
        "has region type 'rectanglelabels', not 'labels'",
        export(lambda ts: ts[0]["annotations"][0]["result"][0].update(type="rectanglelabels"))),
    Row("A9 validate a sentence text changed at its end", ("validate", "--no-gx"), 1,
        "(they differ at character 71: '… forecasts!' vs '… forecasts.')", both(
            edit_gold(1, lambda r: r.update(text=r["text"][:-1] + "!")),
            edit_segments(lambda r: None))),  # the layer's text (got), then the document's (want)
    Row("A8 layer init --guidelines-version abc", ("layer", "init", "newl", "--guidelines-version", "abc"), 1,
        "GUIDELINES.md: has no version 'abc' (it has 1.1, 1.0)", GUIDELINES),
    Row("A8 validate a layer citing guidelines 9.9", ("validate", "--no-gx"), 1, "E332 guidelines-version",
        both(GUIDELINES, lambda r, t: (r / "annotations/gold/layer.json").write_text(
            (r / "annotations/gold/layer.json").read_text().replace('"guidelines_version": null',
                                                                   '"guidelines_version": "9.9"')))),
    Row("A8 layer init --guidelines-version 1.0 (a version the changelog lists)", ("layer", "init", "old",
        "--guidelines-version", "1.0"), 0, "annotations/old/base1.jsonl", GUIDELINES,
        state=changed_only("annotations/old/base1.jsonl", "annotations/old/layer.json")),
    Row("A26 ls import --annotator KEY=NAME for a user not in the export", ("ls", "import", "{tmp}/export.json",
                                                                         "--annotator", "7=me2", "--annotator", "9=other"), 1,
        "7=me2 names annotator '7', who has no annotations in the export (it has 1)",
        export(lambda ts: [a.update(completed_by=1) for t in ts for a in t["annotations"]])),
    Row("A26 ls import --annotator 1=me2 2=other (2 is no annotator)", ("ls", "import", "{tmp}/export.json",
                                                                     "--annotator", "1=me2", "--annotator", "2=other"), 1,
        "2=other names annotator '2'", export(lambda ts: [a.update(completed_by=1) for t in ts for a in t["annotations"]])),
    Row("A25 agreement with segments", ("agreement", "gold", "segments"), 1,
        "annotations/segments: holds the sentence boundaries, not an annotation layer. Fix: name a layer: gold"),
    Row("A18 score a bare layer name", ("score", "gold"), 1, "to score the layer 'gold', give its folder annotations/gold/"),
    Row("A18 score a missing file", ("score", "nofile.jsonl"), 1, "predictions are a JSONL file of sentence records"),
    Row("A22 recover with a file named .claimcorpus-txn", ("recover",), 1, "is not the folder claimcorpus stages its writes in",
        put(".claimcorpus-txn", "file\n")),
    Row("A22 recover an empty .claimcorpus-txn/", ("recover",), 0, "named no interrupted command (nothing to roll back)",
        lambda r, t: (r / ".claimcorpus-txn").mkdir(),
        state=lambda before, after, root: (after == before and not (root / ".claimcorpus-txn").exists()) or pytest.fail(
            "the empty staging folder is still there, or something else changed")),
    Row("A3 ingest --license notspdx", ("ingest", "{tmp}/new.txt", "--license", "notspdx"), 1,
        "--license 'notspdx' is not an SPDX licence expression", put("new.txt", NEW_DOC, outside=True)),
    Row("A3 ingest --license CC-BY-4.0 (SPDX)", ("ingest", "{tmp}/new.txt", "--license", "CC-BY-4.0", "--id", "lic"), 0,
        "ingested lic", put("new.txt", NEW_DOC, outside=True), ingested("new.txt", "lic", "train", NEW_DOC.encode())),
    Row("A16 init inside another repository's annotations/", ("init", "annotations/inner"), 1,
        "is inside the claimcorpus repository"),
    Row("A17 init a non-empty folder", ("init", "{tmp}/full"), 1, "is not empty (file.txt). Fix: init a new or empty",
        put("full/file.txt", "mine\n", outside=True)),
    Row("A21 rehydrate --standoff corpus (the full release)", ("rehydrate", "--from", "{tmp}", "--standoff", "corpus",
                                                                "--out", "full"), 1,
        "corpus: is not a standoff release (it has no data/standoff/ and full/): it is the full release",
        put("corpus/data/documents/train-00000-of-00001.parquet", b"PAR1")),
    Row("A23 ls serve --wait 0", ("ls", "serve", "--wait", "0"), 1, "'--wait': Input should be greater than or equal to 1"),
    # more hostile input of our own
    Row("ingest a folder", ("ingest", "seeds"), 1, "is a directory"),
    Row("ingest a missing file", ("ingest", "{tmp}/nope.txt"), 1, "no such file"),
    Row("ingest an empty file", ("ingest", "{tmp}/empty.txt"), 1, "empty or only whitespace",
        put("empty.txt", " \n\n", outside=True)),
    Row("ingest cp1252 bytes", ("ingest", "{tmp}/cp.txt"), 1, "not valid UTF-8 at byte 3",
        put("cp.txt", b"caf\xe9 au lait.\n", outside=True)),
    Row("ingest --id with a slash", ("ingest", "{tmp}/new.txt", "--id", "a/b"), 1, "--id 'a/b' is invalid",
        put("new.txt", NEW_DOC, outside=True)),
    Row("ingest --id ../escape", ("ingest", "{tmp}/new.txt", "--id", "../escape"), 1, "is invalid",
        put("new.txt", NEW_DOC, outside=True)),
    Row("ingest --split bogus", ("ingest", "{tmp}/new.txt", "--split", "dev"), 1, "unknown split 'dev'",
        put("new.txt", NEW_DOC, outside=True)),
    Row("ingest --language EN", ("ingest", "{tmp}/new.txt", "--language", "EN"), 1, "--language 'EN' is invalid",
        put("new.txt", NEW_DOC, outside=True)),
    Row("ingest --date 2023-02-29", ("ingest", "{tmp}/new.txt", "--date", "2023-02-29"), 1, "not a real date",
        put("new.txt", NEW_DOC, outside=True)),
    Row("ingest a new text under a seed's name", ("ingest", "{tmp}/base1.txt", "--id", "other"), 1,
        "a different file with this name", put("base1.txt", NEW_DOC, outside=True)),
    Row("ingest when seeds/ links outside", ("ingest", "{tmp}/new.txt"), 1, "outside the repository",
        both(put("new.txt", NEW_DOC, outside=True), lambda r, t: (t / "elsewhere").mkdir(),
             lambda r, t: (shutil.move(r / "seeds", t / "elsewhere" / "seeds"),
                           (r / "seeds").symlink_to(t / "elsewhere" / "seeds")))),
    Row("ingest while another command writes", ("ingest", "{tmp}/new.txt"), 1, "is writing to this repository",
        both(put("new.txt", NEW_DOC, outside=True),
             lambda r, t: put(".claimcorpus-txn/command.json", json.dumps({"command": "build", "pid": os.getppid()}))(r, t))),
    Row("layer init an existing layer", ("layer", "init", "gold"), 1, "layer 'gold' exists"),
    Row("layer init --annotator ' '", ("layer", "init", "x", "--annotator", " "), 1, "annotator ' '"),
    Row("layer init --root not a repository", ("layer", "init", "x", "--root", "{tmp}"), 1,
        "not a claimcorpus repository"),
    Row("ls export --out ../outside.json", ("ls", "export", "--out", "../outside.json"), 1, "outside the repository"),
    Row("ls export --out .claimcorpus", ("ls", "export", "--out", ".claimcorpus"), 1, "holds the corpus data"),
    Row("ls export --out .git/config", ("ls", "export", "--out", ".git/config"), 1, ".git/ holds the corpus data"),
    Row("ls export --out corpus/x.json", ("ls", "export", "--out", "corpus/x.json"), 1, "corpus/ holds the corpus data"),
    Row("ls export --out schema/x.json", ("ls", "export", "--out", "schema/x.json"), 1, "schema/ holds the corpus data"),
    Row("ls export over an existing file", ("ls", "export", "--out", "tasks.json"), 1, "exists. Fix: pass --force",
        put("tasks.json", "mine\n")),
    Row("ls export --out below a file", ("ls", "export", "--out", "tasks.json/x"), 1, "tasks.json is a file",
        put("tasks.json", "mine\n")),
    Row("ls import a missing file", ("ls", "import", "{tmp}/nope.json", "--annotator", "x"), 1, "no such file"),
    Row("ls import JSON null", ("ls", "import", "{tmp}/export.json", "--annotator", "x"), 1,
        "not a Label Studio JSON export", export(raw=b"null")),
    Row("ls import NaN offsets", ("ls", "import", "{tmp}/export.json", "--annotator", "x"), 1, "not JSON",
        export(raw=b'[{"data": {"doc_id": "base1"}, "annotations": [{"result": [{"value": {"start": NaN}}]}]}]')),
    Row("ls import a huge offset (F11: said plainly)", ("ls", "import", "{tmp}/export.json", "--annotator", "x"), 1,
        "1e+30 is too large: a whole number (offset, index) is at most 2^63-1",
        export(lambda ts: first_region(ts)["value"].update(start=10**30))),
    Row("ls import a boolean offset", ("ls", "import", "{tmp}/export.json", "--annotator", "x"), 1,
        "is not of type 'integer'", export(lambda ts: first_region(ts)["value"].update(end=True))),
    Row("ls import sentence_id ../x", ("ls", "import", "{tmp}/export.json", "--annotator", "x"), 1, "does not match",
        export(lambda ts: ts[0]["data"].update(sentence_id="../x-s0000"))),
    Row("ls import --annotator 'x\\n'", ("ls", "import", "{tmp}/export.json", "--annotator", "x\n"), 1,
        "is not a layer id", export()),
    Row("ls import a second time without --overwrite", ("ls", "import", "{tmp}/export.json", "--annotator", "gold"), 1,
        "layer 'gold' already has annotations", export()),
    Row("validate a record nested 1,000 deep (parses)", ("validate", "--no-gx"), 1, "E201",
        put(f"annotations/gold/{D}.jsonl", '{"id": "base1-s0000", "entities": ' + nested(1000) + "}\n")),
    Row("ls import a value nested 1,000 deep (parses)", ("ls", "import", "{tmp}/export.json", "--annotator", "x"), 1,
        "nested more than 64 levels", export(raw=b'[{"data": {"doc_id": "base1"}, "meta": ' + nested(1000).encode() + b"}]")),
    Row("validate a boolean index", ("validate", "--no-gx"), 1, "E201", edit_gold(0, lambda r: r.update(index=False))),
    Row("validate a huge offset", ("validate", "--no-gx"), 1, "E201",
        edit_gold(0, lambda r: r["entities"][0].update(end=10**30))),
    Row("validate layer.json as a list", ("validate", "--no-gx"), 1, "E103", put("annotations/gold/layer.json", "[]")),
    Row("validate a layer date 2026-02-30", ("validate", "--no-gx"), 1, "E203",
        put("annotations/gold/layer.json", json.dumps({"annotator": "x", "date": "2026-02-30", "description": "",
                                                        "guidelines_version": None, "kind": "gold", "layer": "gold"}))),
    Row("init an existing repository", ("init", "."), 1, "is already a claimcorpus repository"),
    Row("init onto a file", ("init", "{tmp}/f"), 1, "is a file", put("f", "x", outside=True)),
    Row("init next to a file it would write", ("init", "{tmp}/new"), 1, ".gitignore: exists; init never replaces a file",
        put("new/.gitignore", "mine\n", outside=True)),
    # audit F2-F19 (the hostile audit of wave 2)
    Row("F2 diff: a worktree layer with start 'a'", ("diff", "HEAD"), 1,
        "annotations/gold/base1.jsonl:2: E201 schema", both(git_commit, edit_gold(1, start_a))),
    Row("F2 diff: a revision's layer with start 'a'", ("diff", "HEAD"), 1,
        "HEAD:annotations/gold/base1.jsonl:2: entities[0].start: 'a' is not of type 'integer'",
        committed_then_restored(edit_gold(1, start_a))),
    Row("F3 agreement: a layer with start 'a'", ("agreement", "gold", "pass-x"), 1,
        "annotations/pass-x/base1.jsonl:2: E201 schema", layer_copy("pass-x", 1, start_a)),
    Row("F3 adjudicate: a layer with start 'a'", ("adjudicate", "gold", "pass-x", "--decisions", "{tmp}/d.jsonl"), 1,
        "annotations/pass-x/base1.jsonl:2: E201", both(GUIDELINES, layer_copy("pass-x", 1, start_a), decisions("gold", "pass-x"))),
    Row("F4 ls export --prediction: a layer with start 'a'", ("ls", "export", "--prediction", "pass-x"), 1,
        "annotations/pass-x/base1.jsonl:2: E201", layer_copy("pass-x", 1, start_a)),
    Row("F4 ls push --prediction: a layer with start 'a' (before any network)", ("ls", "push", "--prediction", "pass-x"),
        1, "annotations/pass-x/base1.jsonl:2: E201", both(layer_copy("pass-x", 1, start_a),
                                                         env(LABEL_STUDIO_URL=f"http://127.0.0.1:{free_port()}",
                                                             LABEL_STUDIO_API_KEY="x"))),
    Row("F5 ingest a document of 10,050 sentences", ("ingest", "{tmp}/long.txt"), 0, "10050 sentences",
        put("long.txt", long_document(), outside=True), long_ingested),
    Row("F6 agreement --worksheet into annotations/", ("agreement", "gold", "pass-x", "--worksheet",
                                                       "annotations/gold/x.jsonl"), 1, "annotations/ holds the corpus data",
        layer_copy("pass-x")),
    Row("F6 agreement --worksheet into seeds/", ("agreement", "gold", "pass-x", "--worksheet", "seeds/x.jsonl"), 1,
        "e.g. --worksheet build/worksheet.jsonl", layer_copy("pass-x")),
    Row("F6 agreement --worksheet over a worksheet", ("agreement", "gold", "pass-x", "--worksheet", "sheet.jsonl"), 1,
        "exists (it may hold decisions)", both(layer_copy("pass-x"), put("sheet.jsonl", "decided\n"))),
    Row("F6 agreement --worksheet build/sheet.jsonl", ("agreement", "gold", "pass-x", "--worksheet", "build/sheet.jsonl",
                                                       "--json"), 0, "0 disagreements to decide",
        layer_copy("pass-x"), only_new("build/sheet.jsonl")),
    Row("F9 publish --dry-run, the Hub unreachable: says so in seconds", ("publish", "--repo-id", "a/b", "--dry-run"), 0,
        "remote not listed: cannot reach http://127.0.0.1:",
        both(corpus_stub, lambda r, t: os.environ.update(HF_HUB_OFFLINE="0", HF_ENDPOINT=f"http://127.0.0.1:{free_port()}")),
        marks=[pytest.mark.timeout(60)]),
    Row("F9 publish, the Hub unreachable: one line in seconds", ("publish", "--repo-id", "a/b"), 1, "cannot reach http://127.0.0.1:",
        both(corpus_stub, lambda r, t: os.environ.update(HF_HUB_OFFLINE="0", HF_TOKEN="x",
                                                       HF_ENDPOINT=f"http://127.0.0.1:{free_port()}")),
        marks=[pytest.mark.timeout(60)]),
    Row("F10 ingest /dev/zero", ("ingest", "/dev/zero"), 1, "/dev/zero: is a device, not a regular file"),
    Row("F10 ingest a FIFO", ("ingest", "{tmp}/pipe.txt"), 1, "is a FIFO, not a regular file", fifo("pipe.txt"),
        marks=[pytest.mark.timeout(60)]),
    Row("F10 ls import a FIFO", ("ls", "import", "{tmp}/pipe.json", "--annotator", "x"), 1, "is a FIFO",
        fifo("pipe.json"), marks=[pytest.mark.timeout(60)]),
    Row("F11 validate an offset of 10**30", ("validate", "--no-gx"), 1, "entities[0].end: 1e+30 is too large",
        edit_gold(0, lambda r: r["entities"][0].update(end=10**30))),
    Row("F11 validate an offset 4.5", ("validate", "--no-gx"), 1, "entities[0].end: 4.5 is not a whole number",
        edit_gold(0, lambda r: r["entities"][0].update(end=4.5))),
    Row("F12 ls export --review: an unknown label names the file", ("ls", "export", "--review", "gold"), 1,
        "annotations/gold/base1.jsonl:1: E202 unknown-label", edit_gold(0, planet)),
    Row("F15 re-ingest with another --title says what differs", ("ingest", f"seeds/{D}.txt", "--title", "New"), 1,
        "with the same text but title None (given 'New')"),
    Row("F15 re-ingest other bytes under the same id", ("ingest", "{tmp}/b.txt", "--id", D), 1,
        f"document '{D}' is already in the manifest with other bytes", put("b.txt", NEW_DOC, outside=True)),
    Row("F16 agreement gold ../../etc", ("agreement", "gold", "../../etc"), 1,
        "../../etc: is not a layer name (a folder of annotations/ with a layer.json). Fix: name a layer of this repository (gold)"),
    Row("F16 agreement gold segments", ("agreement", "gold", "segments"), 1, "annotations/segments: holds the sentence boundaries, not an annotation layer"),
    Row("F17 a fresh init repository passes generate --check", ("generate", "--check", "--root", "{tmp}/fresh"), 0, "",
        fresh_repo),
    Row("F17 a fresh init repository validates", ("validate", "--root", "{tmp}/fresh"), 0, "valid: 0 documents",
        fresh_repo),
    Row("F18 agreement: an unknown label", ("agreement", "gold", "pass-x"), 1, "annotations/pass-x/base1.jsonl:1: E202",
        layer_copy("pass-x", 0, planet)),
    Row("F19 LS import: a shape error names the task by position and id", ("ls", "import", "{tmp}/export.json",
                                                                            "--annotator", "x"), 1,
        "export.json task 0 (id 812):", export(lambda ts: (ts[0].update(id=812), first_region(ts)["value"].update(start="3")))),
    Row("F19 LS import: a content error names the task the same way", ("ls", "import", "{tmp}/export.json",
                                                                         "--annotator", "x"), 1,
        "export.json task 0 (id 812): document 'nosuch' is not in this corpus",
        export(lambda ts: (ts[0].update(id=812), ts[0]["data"].update(doc_id="nosuch")))),
    Row("scratch: validate when build/ links out of the repository", ("validate",), 1, "outside the repository",
        link("build", "elsewhere")),
    Row("scratch: publish --standoff when build/ links out of the repository", ("publish", "--repo-id", "a/b",
                                                                                 "--dry-run", "--standoff"), 1,
        "outside the repository", both(corpus_stub, link("build", "elsewhere"), put("elsewhere/keep", "mine\n", outside=True),
                                       env(HF_HUB_OFFLINE="1"))),
    # more of our own: names, links, locks, numbers
    Row("ingest a file named manifest.jsonl", ("ingest", "{tmp}/manifest.jsonl"), 1, "has the name of the manifest",
        lambda r, t: shutil.copy(r / "seeds" / "manifest.jsonl", t / "manifest.jsonl")),
    Row("ingest a unicode file name: the id it gives", ("ingest", "{tmp}/café.txt"), 1,
        "the file name gives the document id 'café', which is not an id", put("café.txt", NEW_DOC, outside=True)),
    Row("ingest a unicode file name with --id", ("ingest", "{tmp}/café.txt", "--id", "cafe"), 0, "ingested cafe",
        put("café.txt", NEW_DOC, outside=True), ingested("café.txt", "cafe", "train", NEW_DOC.encode())),
    Row("ingest a file name with a newline", ("ingest", "{tmp}/a\nb.txt"), 1, "which is not an id",
        put("a\nb.txt", NEW_DOC, outside=True)),
    Row("ingest a symlink: the bytes are copied, not the link", ("ingest", "{tmp}/via.txt", "--id", "via"), 0,
        "ingested via", both(put("real.txt", NEW_DOC, outside=True), lambda r, t: (t / "via.txt").symlink_to(t / "real.txt")),
        lambda b, a, root: (ingested("via.txt", "via", "train", NEW_DOC.encode())(b, a, root),
                            (lambda p: (not p.is_symlink()) or pytest.fail("seed is a link"))(root / "seeds" / "via.txt"))),
    Row("ingest a file holding only a BOM", ("ingest", "{tmp}/bom.txt"), 1, "empty or only whitespace",
        put("bom.txt", b"\xef\xbb\xbf", outside=True)),
    Row("ingest when the manifest links out of the repository", ("ingest", "{tmp}/new.txt"), 1, "outside the repository",
        both(put("new.txt", NEW_DOC, outside=True),
             lambda r, t: (shutil.copy(r / "seeds" / "manifest.jsonl", t / "manifest.jsonl"),
                           (r / "seeds" / "manifest.jsonl").unlink(),
                           (r / "seeds" / "manifest.jsonl").symlink_to(t / "manifest.jsonl")))),
    Row("ls import --overwrite into a layer folder that links outside", ("ls", "import", "{tmp}/export.json",
                                                                          "--annotator", "pass-x", "--overwrite"), 1,
        "outside the repository", both(export(), layer_copy("pass-x"),
                                       lambda r, t: (shutil.move(r / "annotations" / "pass-x", t / "pass-x"),
                                                     (r / "annotations" / "pass-x").symlink_to(t / "pass-x")))),
    Row("ls export --out a link to a file outside", ("ls", "export", "--out", "tasks.json"), 1, "outside the repository",
        both(put("x.json", "mine\n", outside=True), lambda r, t: (r / "tasks.json").symlink_to(t / "x.json"))),
    Row("ls export --out build/../seeds/x.json", ("ls", "export", "--out", "build/../seeds/x.json"), 1,
        "seeds/ holds the corpus data"),
    Row("ls export --doc nosuch", ("ls", "export", "--doc", "nosuch"), 1, "no document 'nosuch'"),
    Row("ls export --offsets utf32", ("ls", "export", "--offsets", "utf32"), 1, "unknown unit 'utf32'"),
    Row("score --out into annotations/", ("score", "annotations/gold", "--out", "annotations/gold/r.json"), 1,
        "annotations/ holds the corpus data"),
    Row("score --resamples 10**12", ("score", "annotations/gold", "--resamples", str(10**12)), 1,
        "must be between 1 and 100000"),
    Row("score --seed -1", ("score", "annotations/gold", "--seed", "-1"), 1, "--seed -1: must be 0 or more"),
    Row("diff --out into seeds/", ("diff", "HEAD", "--out", "seeds/d.md"), 1, "seeds/ holds the corpus data", git_commit),
    Row("agreement with one layer", ("agreement", "gold"), 1, "needs two or more different layers"),
    Row("agreement gold gold", ("agreement", "gold", "gold"), 1, "needs two or more different layers"),
    Row("validate --shard 3/2", ("validate", "--shard", "3/2"), 1, "not I/N with 0 <= I < N"),
    Row("--root inside a repository's folder", ("validate", "--root", "annotations"), 1, "not a claimcorpus repository"),
    Row("the lock folder is a file", ("layer", "init", "x"), 1, ".claimcorpus-txn: is not the folder claimcorpus stages",
        put(".claimcorpus-txn", "x\n")),
    Row("the lock folder links out of the repository", ("layer", "init", "x"), 1, "is not the folder claimcorpus stages",
        link(".claimcorpus-txn", "txn-elsewhere")),
    Row("a killed command's uncommitted lock is rolled back", ("recover",), 0, "rolled back the interrupted",
        dead_lock(False), lock_state(False)),
    Row("a killed command's committed lock is finished", ("recover",), 0, "finished the interrupted",
        dead_lock(True), lock_state(True)),
    Row("recover while another command writes", ("recover",), 1, "is writing to this repository",
        lambda r, t: put(".claimcorpus-txn/command.json", json.dumps({"command": "build", "pid": os.getppid()}))(r, t)),
    Row("layer init after a killed command: rolled back first", ("layer", "init", "pass-c"), 0, "annotations/pass-c",
        dead_lock(False), lambda b, a, root: (changed_only("annotations/pass-c/base1.jsonl", "annotations/pass-c/layer.json")(
            {k: v for k, v in b.items() if not k.startswith(".claimcorpus-txn/")}, a, root))),
    Row("an unknown option", ("ingest", "x.txt", "--bogus"), 1, "No such option: --bogus"),
    Row("an unknown command", ("frobnicate",), 1, "No such command"),
]


@pytest.fixture
def world(tmp_path: Path, monkeypatch):
    """(repository root, a folder outside it); the environment is restored after the test."""
    for key in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY", "HF_TOKEN", "HF_ENDPOINT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(os, "environ", os.environ.copy())
    root = tmp_path / "repo"
    shutil.copytree(BASE, root)
    (tmp_path / "out").mkdir()
    return root, tmp_path / "out"


def _fill(arg, root: Path, tmp: Path) -> str:
    return str(arg).replace("{tmp}", str(tmp)).replace("{root}", str(root))


@pytest.mark.parametrize("row", [pytest.param(r, id=r.id, marks=r.marks) for r in ROWS])
def test_hostile(row: Row, world) -> None:
    root, tmp = world
    if row.setup:
        row.setup(root, tmp)
    cwd = Path(_fill(row.cwd, root, tmp)) if row.cwd != "." else root
    before, outside = tree(root), tree(tmp)
    had_lock = os.path.lexists(root / ".claimcorpus-txn")
    code, out, err = cc(*(_fill(a, root, tmp) for a in row.argv), cwd=cwd)
    assert "Traceback" not in out + err
    assert code == row.exit, out + err
    if row.exit:
        assert err.startswith("error: ") and err.count("\n") == 1, err  # exactly one line
        assert "Fix: " in err and row.expect in out + err, out + err
    else:
        assert row.expect in out + err and "error:" not in err, out + err
    after = tree(root)
    if row.state == SAME:
        assert after == before
    else:
        row.state(before, after, root)
    assert had_lock or not os.path.lexists(root / ".claimcorpus-txn") or {".claimcorpus-txn/command.json", ".claimcorpus-txn"} & set(
        before)  # no new leftover
    assert tree(tmp) == outside  # nothing written outside the repository


def test_rows_cover_every_reproduction_and_as_many_again() -> None:
    issue = [r for r in ROWS if r.id.startswith("#")]
    assert {r.id.split()[0] for r in issue} >= {f"#{n}" for n in (1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12)}
    assert len(ROWS) - len(issue) >= len(issue)


@pytest.mark.timeout(900)
def test_a_fresh_init_repository_is_buildable_once_it_has_data(tmp_path: Path) -> None:
    """Audit F17: `claimcorpus init`, then a document and a gold layer: generate, validate and build all pass
    with the files init wrote (no file copied from this checkout but the data)."""
    root = tmp_path / "fresh"
    assert cc("init", root, cwd=tmp_path)[0] == 0
    assert cc("generate", "--check", cwd=root)[0] == 0
    code, out, err = cc("ingest", BASE / "seeds" / f"{D}.txt", cwd=root)
    assert code == 0, err
    shutil.copytree(BASE / "annotations" / "gold", root / "annotations" / "gold")  # hand-made, valid on this text
    for argv in (("generate",), ("generate", "--check"), ("validate",), ("build",), ("build", "--check")):
        code, out, err = cc(*argv, cwd=root)
        assert code == 0 and "Traceback" not in out + err, (argv, out + err)
    gold = [json.loads(x) for x in (BASE / "annotations" / "gold" / f"{D}.jsonl").read_text(encoding="utf-8").splitlines()]
    import datasets

    rows = datasets.load_dataset("parquet", data_dir=str(root / "corpus" / "data" / "sentences"), split="train")
    assert [r["text"] for r in rows] == [g["text"] for g in gold]  # the built release holds the hand-made gold
