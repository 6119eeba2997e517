"""Service functions: each one is one transaction, called by a thin route."""
