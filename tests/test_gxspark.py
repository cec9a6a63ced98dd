"""The Spark engine (validation.level4.spark) finds exactly what the pandas engine finds, on the repository's release and on
a release carrying every level-4 corruption of tests/test_gx_suite.py at once (as parquet, with corpus
bounds that fail). A Spark run costs minutes on a busy 2-core machine, hence two runs, one SparkSession."""

from __future__ import annotations

import pytest
from conftest import ROOT
from test_gx_suite import GROUPS, release
from test_gxbatch import write_release

from claimcorpus.validation.level4 import batch as gxbatch
from claimcorpus.validation.codes import CHECKS

pytest.importorskip("pyspark")
TIGHT = {"hedged_share": (0.9, 0.95), "entities_per_sentence": (0.1, 10.0), "claims_per_sentence": (0.3, 5.0)}


@pytest.fixture(scope="session")
def spark():
    from claimcorpus.validation.level4.spark import session

    s = session("local[1]")
    yield s
    s.stop()


def test_spark_equals_pandas_on_the_repository_release(spark, tmp_path):
    """What `claimcorpus validate --engine spark` runs at level 4 (runner.level4 -> spark.run_repo: the tables this
    repository's annotations make now, staged under build/), on a copy of the checkout; and the committed release."""
    from claimcorpus.layout import Repo
    from claimcorpus.validation.level4.spark import run_release, run_repo
    from conftest import copy_checkout

    corpus = ROOT / "corpus"
    want = [str(f) for f in gxbatch.run_release(corpus, jobs=1).findings]
    assert want == []  # the committed release is valid
    assert [str(f) for f in run_repo(Repo(copy_checkout(tmp_path / "checkout")), spark).findings] == want
    assert [str(f) for f in run_release(corpus, spark).findings] == want


def test_spark_equals_pandas_on_every_level_4_corruption(spark, tmp_path):
    from claimcorpus.validation.level4.spark import run_release

    t = release()
    for group in GROUPS:
        for _, corrupt, _ in group:
            corrupt(t)
    corpus = write_release(t, tmp_path / "corpus")
    want = [str(f) for f in gxbatch.run_release(corpus, jobs=1, bounds=TIGHT).findings]
    assert {f.split(" ")[1] for f in want} == {c for c, chk in CHECKS.items() if chk.level == 4}
    assert [str(f) for f in run_release(corpus, spark, bounds=TIGHT).findings] == want


def test_a_spark_failure_is_one_line_naming_the_java_error(spark, tmp_path, monkeypatch):
    """A Java exception inside a Spark job (at 1M sentences: java.lang.OutOfMemoryError under the 1g default heap)
    reaches the CLI as one ReleaseError line with the fix, not a Py4J traceback."""
    from claimcorpus.errors import ReleaseError
    from claimcorpus.layout import Repo
    from claimcorpus.validation.level4 import spark as gx_spark
    from conftest import copy_checkout

    def failing(corpus, session=None, **_):
        spark.sql("SELECT raise_error('the disk is on fire')").collect()

    monkeypatch.setattr(gx_spark, "run_release", failing)
    with pytest.raises(ReleaseError) as err:
        gx_spark.run_repo(Repo(copy_checkout(tmp_path / "checkout")), spark)
    line = str(err.value)
    assert "\n" not in line and "the disk is on fire" in line and "CLAIMCORPUS_SPARK_DRIVER_MEMORY" in line
    assert "Traceback" not in line and "at org.apache" not in line
