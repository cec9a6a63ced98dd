"""`claimcorpus init DIR`: a new, valid, empty repository, from the installed package alone.

    DIR/.claimcorpus                 the marker every command looks for (txn.py)
    DIR/schema/*.json, labelstudio.xml   copies of the package's schemas and Label Studio config
    DIR/seeds/manifest.jsonl         empty
    DIR/annotations/splits.json      {"train": [], "validation": [], "test": []}
    DIR/annotations/GUIDELINES.md    a skeleton to fill in
    DIR/docs/checks.md, labels.md, baselines.md   the generated docs (`claimcorpus generate --check` passes)
    DIR/.ci/run                      CI entry point (`claimcorpus generate --check`, `claimcorpus validate`)
    DIR/.gitignore

Written as one transaction with the marker moved in last: a killed init leaves no repository.
"""

from __future__ import annotations

import tempfile
from importlib.resources import files
from pathlib import Path

from claimcorpus.errors import RepositoryError
from claimcorpus.layout import Repo
from claimcorpus.schema import schema_dir
from claimcorpus.splits import splits_json
from claimcorpus.txn import MARKER, MARKER_TEXT, TXN, Transaction


def skeleton() -> dict[str, bytes]:
    """Every file of a new repository, by relative path (the marker last)."""
    from claimcorpus.generate import GENERATED

    own = files("claimcorpus") / "skeleton"
    out = {f"schema/{p.name}": p.read_bytes() for p in sorted(schema_dir().iterdir())
           if p.suffix in (".json", ".xml") and p.is_file()}
    with tempfile.TemporaryDirectory() as empty:  # generated from an empty repository: the same bytes wherever init runs
        out |= {rel: produce(Repo(Path(empty))).encode() for rel, produce in GENERATED.items() if rel not in out}
    out |= {
        "seeds/manifest.jsonl": b"",
        "annotations/splits.json": splits_json({}).encode(),
        "annotations/GUIDELINES.md": (own / "GUIDELINES.md").read_bytes(),
        ".ci/run": (own / "ci-run").read_bytes(),
        ".gitignore": (own / "gitignore").read_bytes(),
        MARKER: MARKER_TEXT.encode(),
    }
    return out


def init(root: Path, force: bool = False) -> list[str]:
    """Create the repository at ``root``: a new or empty folder, or (``force``) one whose files init does not
    write; never inside another repository."""
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise RepositoryError(str(root), "is a file", "give a folder path (it is created if missing)")
    outer = next((p for p in root.resolve().parents if (p / MARKER).is_file()), None)
    if outer is not None:
        raise RepositoryError(str(root), f"is inside the claimcorpus repository {outer}", "init a folder outside it: "
                          "a repository inside another one is not validated, built or released by either")
    root.mkdir(parents=True, exist_ok=True)
    with Transaction(root, "init", new=True) as tx:
        if (tx.root / MARKER).exists():
            raise RepositoryError(str(root), "is already a claimcorpus repository", "use it as it is, or pick another folder")
        made = skeleton()
        there = [rel for rel in made if (tx.root / rel).exists()]
        if there:
            raise RepositoryError(str(root / there[0]), "exists; init never replaces a file",
                              "move it away, or init another folder")
        others = sorted(p.name for p in tx.root.iterdir() if p.name != TXN)
        if others and not force:
            raise RepositoryError(str(root), f"is not empty ({', '.join(others[:3])}{' ...' if len(others) > 3 else ''})",
                              "init a new or empty folder, or pass --force to create the repository around its files")
        for rel, data in made.items():
            tx.write(rel, data, mode=0o755 if rel == ".ci/run" else None)
    return list(made)
