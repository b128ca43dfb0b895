"""Request and response bodies (pydantic). ``*Public`` models never carry a value or digest."""
