"""The Python reference client: speaks the whole sync protocol with ``support_circle.protocol``.

    device = Device.new("https://circle.example.org")
    device.register(); device.sign_in()
    circle = device.create_circle()
    circle.write({"kind": "note", "text": "…"}); circle.push()

Tests and benchmarks drive the server through it; it is also a library for tools.
"""

from support_circle.client.circle import CircleReplica
from support_circle.client.device import Device
from support_circle.client.http import Api, ApiError

__all__ = ["Api", "ApiError", "CircleReplica", "Device"]
