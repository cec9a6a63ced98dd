"""Level 4: the Great Expectations gate over the flat release tables.

``suite`` builds the suites from schema/ and runs them in memory; ``batch`` runs them over a release
on disk in bounded memory (pandas, worker processes); ``spark`` runs them on Apache Spark.
"""
