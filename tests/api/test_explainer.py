"""The facilitator explainer: one page, the same for everyone, with the organisation's contact
details escaped into it, and nothing from the database."""

from fastapi.testclient import TestClient

from support_circle.app import create_app
from support_circle.settings import Settings
from tests.api.helpers import SharedCircle, signed_in


def test_the_page_says_who_can_facilitate_and_what_to_check_first(client: TestClient) -> None:
    response = client.get("/about/facilitating")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    text = response.text
    for said in ("Anyone can facilitate", "whanaunga", "rules may not let you take part", "not always lead to healing"):
        assert said in text
    assert "Questions" not in text, "no contact details until the organisation gives some"
    style = client.get("/about/facilitating.css")
    assert (style.status_code, style.headers["content-type"].split(";")[0]) == (200, "text/css")


def test_the_page_holds_nothing_anyone_stored(client: TestClient) -> None:
    """Safe to forward: the same bytes for a stranger and for a signed-in member of a circle, before
    and after anything is stored, and nothing stored in the browser that opens it."""
    first = client.get("/about/facilitating")
    before = first.text
    admin = signed_in(client)
    SharedCircle(admin).create()
    assert client.get("/about/facilitating").text == before
    assert admin.get("/about/facilitating").text == before
    assert admin.device_id not in before
    assert "set-cookie" not in first.headers


def test_the_organisations_contact_is_shown_as_plain_text(settings: Settings) -> None:
    contact = "Aroha at Te Whare <b>Awhina</b>\n0800 000 000"
    with TestClient(create_app(settings.model_copy(update={"facilitator_contact": contact}))) as client:
        text = client.get("/about/facilitating").text
    assert "Te Whare &lt;b&gt;Awhina&lt;/b&gt;" in text and "<b>Awhina</b>" not in text
    assert "0800 000 000" in text
