"""The batched gate over a release on disk (validation.level4.batch) finds exactly what suite.run_gate finds over the
whole tables in memory: on the valid release, on every level-4 corruption of tests/test_gx_suite.py,
with one document per batch, rows split into one-row row groups (two processes; one for the valid release)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_gx_suite import GROUPS, _lose_claims, release

from claimcorpus.validation.level4 import batch as gxbatch
from claimcorpus.validation.level4.suite import run_gate


def write_release(tables: dict[str, pd.DataFrame], corpus: Path, split_at: int = 2) -> Path:
    """The tables as parquet: rows before ``split_at`` in a train file, the rest in a test file (two shards,
    one row per row group), as a release on disk."""
    for name, df in tables.items():
        folder = corpus / "data" / name
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(df, preserve_index=False)
        cut = min(split_at, len(df))
        pq.write_table(table.slice(0, cut), folder / "train-00000-of-00001.parquet", row_group_size=1)
        pq.write_table(table.slice(cut), folder / "test-00000-of-00001.parquet", row_group_size=1)
    return corpus


CASES = {"valid": lambda t: None, "lost-claims": _lose_claims}
CASES |= {"-".join(dict.fromkeys(c for c, _, _ in g)): (lambda g: lambda t: [f(t) for _, f, _ in g])(g) for g in GROUPS}


@pytest.mark.parametrize("case", CASES)
def test_batched_gate_equals_the_whole_table_gate(case, tmp_path):
    t = release()
    CASES[case](t)
    want = [str(f) for f in run_gate({k: v.copy() for k, v in t.items()}).findings]
    corpus = write_release(t, tmp_path / "corpus")
    got = gxbatch.run_release(corpus, jobs=1 if case == "valid" else 2, batch_sentences=1)
    assert [str(f) for f in got.findings] == want, case
    assert got.success == (not want)
