# Every new notebook kernel starts with flink-notebook loaded: %%flink_sql and %%flink work
# without a %load_ext line, and Flink starts in the background while the first cell is typed.
c.InteractiveShellApp.extensions = ["flink_notebook"]  # noqa: F821 (c is IPython's config)
