"""Test helpers that executor authors reuse."""
