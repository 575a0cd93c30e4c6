"""Deployments (``%%flink_deploy``, ``flink-notebook deploy``): a cell's pipeline as a named,
versioned job that runs detached and outlives the kernel; its artifact, records and
lifecycle. docs/deploy.md."""
