"""One module per console page (workflow)."""
