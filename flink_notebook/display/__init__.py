"""Showing jobs: one JobView (state) and small renderers that draw it."""
