"""Material for lessons: example data sets (``%flink_dataset``)."""
