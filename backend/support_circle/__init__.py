"""Support Circle sync service: relays and stores end-to-end-encrypted blobs, never content."""

__version__ = "0.1.0"
