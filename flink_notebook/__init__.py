"""Apache Flink in notebooks: ``%load_ext flink_notebook``, then ``%%flink_sql`` and
``%%flink`` cells run real Flink jobs."""

__version__ = "0.1.0"


def load_ipython_extension(ipython):  # noqa: ANN001, ANN201 - IPython's hook
    from flink_notebook.magics import register

    register(ipython)
