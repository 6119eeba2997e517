"""The Python side of shared_schema/PROTOCOL.md, built on ``cryptography`` alone.

Used by the reference client, the admin tools and the tests. Every refusal is a
``ProtocolError`` whose ``code`` is the one the spec names.
"""

from support_circle.protocol.errors import ProtocolError

__all__ = ["ProtocolError"]
