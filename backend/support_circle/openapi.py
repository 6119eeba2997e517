"""``python -m support_circle.openapi [FILE]``: writes the API's OpenAPI schema, which the app's
API types are generated from (frontend/scripts/api-types.ts), to shared_schema/openapi.json."""

import json
import sys
from pathlib import Path
from typing import Any

from support_circle.app import create_app
from support_circle.settings import Settings

OPENAPI_FILE = Path(__file__).resolve().parents[2] / "shared_schema" / "openapi.json"


def openapi_text() -> str:
    schema: dict[str, Any] = create_app(Settings()).openapi()
    return json.dumps(schema, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else OPENAPI_FILE
    target.write_text(openapi_text())
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
