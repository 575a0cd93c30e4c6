"""Writing SQL in the notebook: completion from the live catalog, and the catalog browser."""
