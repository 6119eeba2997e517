"""The page a survivor sends to someone they might ask to facilitate: the approach and the
facilitator's part, in plain words, with the organisation's contact details if it gave any.

It is the same for everyone who opens it, holds nothing from the database and sets nothing, so it
is safe to forward: whoever opens it learns nothing about the person who sent it.
"""

from html import escape
from importlib.resources import files
from string import Template

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from support_circle.deps import SettingsDep

router = APIRouter(include_in_schema=False)

_PAGES = files("support_circle") / "pages"
_PAGE = Template((_PAGES / "facilitating.html").read_text(encoding="utf-8"))
_STYLE = (_PAGES / "facilitating.css").read_text(encoding="utf-8")
# Revalidated each visit, so an organisation's new contact details reach a link sent long ago.
_FRESH = {"Cache-Control": "no-cache"}


def render(contact: str) -> str:
    """The page, with `contact` (plain text from the server's settings) escaped into it."""
    shown = (
        ""
        if contact.strip() == ""
        else "<h2>Questions</h2>\n      <p>The organisation that runs this service can talk it through with you:</p>\n"
        f'      <p class="contact">{escape(contact.strip())}</p>'
    )
    return _PAGE.substitute(contact=shown)


@router.get("/about/facilitating")
def facilitating(settings: SettingsDep) -> HTMLResponse:
    return HTMLResponse(render(settings.facilitator_contact), headers=_FRESH)


@router.get("/about/facilitating.css")
def facilitating_style() -> Response:
    return Response(_STYLE, media_type="text/css", headers=_FRESH)
