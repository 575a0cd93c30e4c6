"""The kernel's Flink: Java through py4j, one session with one catalog, query plans, and
query rows buffered in the JVM (``jvm/``: small Java classes compiled at run time)."""
