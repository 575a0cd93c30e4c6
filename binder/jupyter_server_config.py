# Open JupyterLab on the notebooks folder, also for Binder links without ?urlpath=.
c.ServerApp.default_url = "/lab/tree/notebooks"  # noqa: F821 (c is Jupyter's config)
