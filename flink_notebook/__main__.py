import sys

from flink_notebook.cli import main

sys.exit(main())
