"""HTTP layer: one router per resource, shared dependencies, the app factory."""
