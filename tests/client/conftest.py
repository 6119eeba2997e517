"""Devices of the reference client, registered and signed in to the real app under test."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from support_circle.client import Device

NewDevice = Callable[[], Device]


@pytest.fixture
def new_device(client: TestClient) -> NewDevice:
    def make() -> Device:
        device = Device.new("http://testserver", http=client)
        device.register()
        device.sign_in()
        return device

    return make
