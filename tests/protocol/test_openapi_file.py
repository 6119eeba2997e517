"""shared_schema/openapi.json is what the server describes: the app's API types come from it."""

from support_circle.openapi import OPENAPI_FILE, openapi_text


def test_the_committed_openapi_file_is_current() -> None:
    assert OPENAPI_FILE.read_text() == openapi_text(), "run 'make api-types' to refresh it"
