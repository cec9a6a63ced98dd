"""Level 4 on Apache Spark: the same Great Expectations suites over the release parquet, as Spark jobs.

    claimcorpus validate --engine spark        # local[2] here; CLAIMCORPUS_SPARK_MASTER=spark://host:7077 on a cluster

The derived columns `suite.prepare` makes with pandas are made here with Spark SQL (lookups are
joins, counts are group-bys, slices are code-point `substring`s), the suites run through a GE Spark
data source (`context.data_sources.add_spark`) with the prepared DataFrames as batch parameters, and
the outcomes go through the same `suite.finding`, so the findings are the pandas engine's
(tests/test_gxspark.py). `row_pos` is the row's position in its table (file order, then the
parquet row index), as in the pandas engine.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from claimcorpus.validation.level4 import suite as gx_suite
from claimcorpus.errors import ReleaseError
from claimcorpus.validation.level4.batch import FAST, Table, gate_tables, release_files

MASTER = "local[2]"


def session(master: str | None = None):
    """The SparkSession the gate runs on (one per process: getOrCreate returns the running one).

    ``master`` defaults to $CLAIMCORPUS_SPARK_MASTER, else local[2] (both cores of this machine).
    """
    gx_suite.quiet_pyspark()
    try:
        gx_suite._gx()  # great_expectations first: it imports pyspark with pyspark's pandas-3 warning silenced
        from pyspark.sql import SparkSession
    except ImportError as err:
        raise ReleaseError("--engine spark", "pyspark is not installed",
                          "install the spark extra (pip install 'claimcorpus[spark]'), Java 17 or newer on PATH") from err
    master = master or os.environ.get("CLAIMCORPUS_SPARK_MASTER", MASTER)
    if master.startswith("local"):  # the driver binds loopback, not the first interface (a cluster needs a reachable host)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (SparkSession.builder.master(master)
               .appName("claimcorpus-gate")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")  # Spark's stage bars would garble the CLI's one-line output
               .config("spark.sql.shuffle.partitions", os.environ.get("CLAIMCORPUS_SPARK_PARTITIONS", "4"))
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.ansi.enabled", "false")  # a bad cell becomes null, as pandas' to_numeric(coerce)
               # cached column batches of 1,000 rows, not 10,000: a batch of whole document texts is one buffer
               .config("spark.sql.inMemoryColumnarStorage.batchSize", "1000"))
    if master.startswith("local"):
        builder = builder.config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
    if "CLAIMCORPUS_SPARK_DRIVER_MEMORY" in os.environ or master.startswith("local"):
        # local mode runs the executors inside the driver's JVM; Spark's 1g default ran out of heap at 1M sentences
        builder = builder.config("spark.driver.memory", driver_memory())
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


DRIVER_MEMORY = "3g"


def driver_memory() -> str:
    """The driver's heap: $CLAIMCORPUS_SPARK_DRIVER_MEMORY, else 3g (enough for 1M sentences in local mode)."""
    return os.environ.get("CLAIMCORPUS_SPARK_DRIVER_MEMORY") or DRIVER_MEMORY


def _failed(err: Exception) -> ReleaseError:
    """A Spark/Py4J failure as one line: the Java exception's first line, and what to change."""
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
    java = next((ln.lstrip(": ") for ln in lines if ln.startswith(":")), lines[0] if lines else type(err).__name__)
    return ReleaseError("--engine spark", f"Spark stopped: {java[:300]}",
                        f"if the log above says OutOfMemoryError, give the driver more heap "
                        f"(CLAIMCORPUS_SPARK_DRIVER_MEMORY, now {driver_memory()}), or use --engine pandas")


# -- derived columns (Spark SQL, mirroring gx_suite.prepare) ----------------------------------


def _read(spark, corpus: Path, table: str):
    """One release table with row_pos: the row's position over its files in release order."""
    from pyspark.sql import functions as F

    files, frames = Table.open(release_files(corpus, table)), []
    offset = 0
    for i, path in enumerate(files.files):
        n = sum(rows for f, _, _, rows in files.groups if f == i)
        frames.append(spark.read.parquet(str(path)).select("*", (F.col("_metadata.row_index") + F.lit(offset)).alias("row_pos")))
        offset += n
    if not frames:
        raise ReleaseError(str(corpus / "data" / table), "no parquet files",
                          "build the release (`claimcorpus build`) before running the gate on it")
    out = frames[0]
    for f in frames[1:]:
        out = out.unionByName(f)
    return out


def _num(c):
    """A column as double; a string that is not a number becomes null (pandas.to_numeric(errors='coerce'))."""
    return c.cast("double")


def _slice(text, start, end):
    """text[start:end] as Python slices it (start >= 0 and integral, else null; a negative end counts from the end)."""
    from pyspark.sql import functions as F

    s, e, n = _num(start), _num(end), F.char_length(text)
    ok = text.isNotNull() & s.isNotNull() & e.isNotNull() & (s >= 0) & (s == F.floor(s)) & (e == F.floor(e))
    stop = F.when(e < 0, F.greatest(n + e, F.lit(0))).otherwise(F.least(e, n))
    return F.when(ok, F.when(stop > s, text.substr(s.cast("int") + 1, (stop - s).cast("int"))).otherwise(F.lit("")))


def _length(text):
    from pyspark.sql import functions as F

    return F.char_length(text).cast("double")


def _int_str(c):
    """str(int(v)) for an integral value, else 'None' (gx_suite._int inside an f-string)."""
    from pyspark.sql import functions as F

    d = _num(c)
    return F.when(d.isNotNull() & (d == F.floor(d)), d.cast("long").cast("string")).otherwise(F.lit("None"))


def _first_by(df, key: str):
    """The first row (lowest row_pos) of each non-null key: drop_duplicates(key) after dropna(key)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    w = Window.partitionBy(key).orderBy("row_pos")
    return df.where(F.col(key).isNotNull()).withColumn("_n", F.row_number().over(w)).where("_n = 1").drop("_n")


def _row_id(col):
    from pyspark.sql import functions as F

    return F.when(col.isNotNull() & (col != ""), col).otherwise(F.concat(F.lit("row "), F.col("row_pos").cast("string")))


def _count_where(field: str):
    """An aggregate merge (acc, span) counting spans whose ``field`` is true. pyspark reads the arity
    of the function it is given, so ``field`` is bound by a closure, never by a default argument."""
    from pyspark.sql import functions as F

    return lambda acc, c: acc + F.when(F.coalesce(c[field], F.lit(False)), 1).otherwise(0)


def prepare(spark, corpus: Path) -> tuple[dict, dict]:
    """The five tables with gx_suite.prepare's derived columns, and the suite parameters (Spark aggregates)."""
    from pyspark.sql import functions as F

    raw = {t: _read(spark, corpus, t) for t in gx_suite.gate_tables()}
    docs = _first_by(raw["documents"], "doc_id").select(F.col("doc_id").alias("_doc"), F.col("text").alias("_doc_text"))
    sent_first = _first_by(raw["sentences"], "id").select(
        F.col("id").alias("_sid"), F.col("text").alias("_sent_text"), F.col("doc_id").alias("sentence_doc_id"))
    from claimcorpus.kinds import flags
    from claimcorpus.kinds import kind as kinds_kind

    def per_sentence(rows, name):
        return rows.where(F.col("sentence_id").isNotNull()).groupBy("sentence_id").agg(F.count("*").alias(name))

    counts = [(per_sentence(raw[t], f"{t}_rows"), f"{t}_rows") for t in gx_suite.span_tables()]
    s = raw["sentences"]
    for t in gx_suite.span_tables():
        s = s.withColumn(f"n_{t}", F.when(F.col(t).isNotNull(), F.size(t)))
    for kind, flag in flags():
        rows = raw[kind.field]
        if flag.when:
            rows = rows.where(F.col(flag.when) == F.lit(True))
            if flag.count:
                s = s.withColumn(flag.count, F.when(F.col(kind.field).isNotNull(), F.aggregate(
                    kind.field, F.lit(0), _count_where(flag.when))))
        counts.append((per_sentence(rows, flag.rows), flag.rows))
    for c, name in counts:
        s = s.join(c.withColumnRenamed("sentence_id", "_k"), s["id"] == F.col("_k"), "left").drop("_k") \
             .withColumn(name, F.coalesce(F.col(name), F.lit(0)))
    for _, flag in flags():
        s = s.withColumn(f"has_{flag.rows}", F.col(flag.rows) > 0)
    s = (s.join(docs, s["doc_id"] == docs["_doc"], "left")
         .withColumn("row_id", _row_id(F.col("id")))
         .withColumn("hedged_flag", F.col("hedged").cast("double"))
         .withColumn("doc_len", _length(F.col("_doc_text")))
         .withColumn("doc_slice", _slice(F.col("_doc_text"), F.col("start"), F.col("end")))
         .drop("_doc", "_doc_text", *gx_suite.span_tables()))

    per_doc = raw["sentences"].where(F.col("doc_id").isNotNull()).groupBy("doc_id").agg(F.count("*").alias("sentence_rows"))
    d = (raw["documents"].join(per_doc.withColumnRenamed("doc_id", "_k"), F.col("doc_id") == F.col("_k"), "left").drop("_k")
         .withColumn("sentence_rows", F.coalesce(F.col("sentence_rows"), F.lit(0)))
         .withColumn("row_id", _row_id(F.col("doc_id")))
         .withColumn("text_len", _length(F.col("text"))))
    frames = {"documents": d, "sentences": s}
    for t in gx_suite.span_tables():
        x = (raw[t].join(sent_first, F.col("sentence_id") == F.col("_sid"), "left")
             .join(docs, F.col("doc_id") == F.col("_doc"), "left"))
        x = (x.withColumn("row_id", F.concat(F.coalesce(F.col("sentence_id"), F.lit("None")), F.lit("["), _int_str(F.col("start")),
                                              F.lit(":"), _int_str(F.col("end")), F.lit("]")))
             .withColumn("sentence_len", _length(F.col("_sent_text")))
             .withColumn("doc_len", _length(F.col("_doc_text")))
             .withColumn("sentence_slice", _slice(F.col("_sent_text"), F.col("start"), F.col("end")))
             .withColumn("doc_slice", _slice(F.col("_doc_text"), F.col("doc_start"), F.col("doc_end"))))
        for prefix in (o.name for o in kinds_kind(t).offsets):
            if f"{prefix}_start" in raw[t].columns:
                x = x.withColumn(f"{prefix}_slice", _slice(F.col("_sent_text"), F.col(f"{prefix}_start"), F.col(f"{prefix}_end")))
        frames[t] = x.drop("_sid", "_sent_text", "_doc", "_doc_text")
    frames = {t: f.cache() for t, f in frames.items()}

    totals = s.agg(*[F.sum(F.col(f"n_{t}")).alias(f"n_{t}") for t in gx_suite.span_tables()]).first()
    n_sentences = raw["documents"].agg(F.sum(_num(F.col("n_sentences")))).first()[0]
    doc_ids = sorted(r[0] for r in raw["documents"].where(F.col("doc_id").isNotNull()).select("doc_id").distinct().collect())
    params = {"n_sentences": int(n_sentences or 0), "doc_ids": doc_ids}
    params |= {f"n_{t}": int(totals[f"n_{t}"] or 0) for t in gx_suite.span_tables()}
    return frames, params


# -- running ---------------------------------------------------------------------------------


def run_release(corpus: Path, spark=None, bounds: Mapping[str, tuple[float, float]] = gx_suite.CORPUS_BOUNDS,
                ) -> gx_suite.GateResult:
    """Run every suite on Spark over the release in ``corpus``; findings as gx_suite.run_gate gives them."""
    gx = gx_suite._gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    spark = spark or session()
    frames, params = prepare(spark, corpus)
    suites = gx_suite.build_suites(bounds)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_spark(name="claimcorpus-spark")
    findings = []
    try:
        for name, suite in suites.items():
            batch = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe(f"{name}-whole")
            vd = context.validation_definitions.add(
                gx.ValidationDefinition(name=name, data=batch, suite=context.suites.add(suite)))
            # a BOOLEAN_ONLY run first (its metrics are aggregates Spark computes together), and the COMPLETE
            # run, one Spark job per offending-row list, only for a table that failed (as gxbatch does)
            run = {fmt: context.checkpoints.add(gx.Checkpoint(name=f"gate-{name}-{fmt}", validation_definitions=[vd],
                                                              result_format=result_format)).run
                   for fmt, result_format in (("fast", FAST), ("complete", gx_suite.RESULT_FORMAT))}
            args = {"batch_parameters": {"dataframe": frames[name]}, "expectation_parameters": params}
            if run["fast"](**args).success:
                continue
            result = run["complete"](**args)
            findings += [gx_suite.finding(name, o) for o in sorted(gx_suite.outcomes(result), key=gx_suite.suite_order(suite))
                         if not o["success"]]
    finally:
        for f in frames.values():
            f.unpersist()
    return gx_suite.GateResult(not findings, findings)


def run_repo(repo, spark=None) -> gx_suite.GateResult:
    """The gate on Spark over the release tables the annotations make now (written as batch.run_repo does)."""
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException

    with gate_tables(repo) as tmp:
        try:
            return run_release(tmp, spark)
        except (Py4JError, PySparkException) as err:
            raise _failed(err) from err
