"""The vocabulary every layer shares: the Configuration and its options, secrets and their
masking, job states and ids, cluster addresses, free ports, finding Java, and short
messages from Java errors. It imports nothing else of flink_notebook."""
