"""What a cell does: ``%%flink_sql`` (statements), ``%%flink`` (PyFlink code whose
job-submitting calls are routed through the notebook's executor), and what a cell asks
for besides its text (:class:`~flink_notebook.cells.request.CellRequest`)."""
