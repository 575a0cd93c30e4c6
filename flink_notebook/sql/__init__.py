"""Flink SQL as a cell holds it: statements and their kinds, ``{variables}``, and errors
located in the cell."""
