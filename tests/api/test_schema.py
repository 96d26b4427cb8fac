"""The schema is a contract: the committed docs/api/openapi.yaml is what the code generates."""

from pathlib import Path

from django.core.management import call_command

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.yaml"
# In English, the language of the code's descriptions: the enums' labels then match them.
REGENERATE = (
    ".venv/bin/ranks spectacular --lang en --file docs/api/openapi.yaml --validate --fail-on-warn"
)


def test_the_committed_schema_is_the_generated_one(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command(
        "spectacular", "--lang", "en", "--file", str(generated), "--validate", "--fail-on-warn"
    )
    assert generated.read_text() == SCHEMA.read_text(), (
        f"docs/api/openapi.yaml differs from the code's schema; regenerate it with: {REGENERATE}"
    )


def test_the_schema_and_its_pages_are_served(client, db):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/units/" in schema.content
    for page in ("/api/v1/docs/", "/api/v1/redoc/"):
        response = client.get(page)
        assert response.status_code == 200, page
        text = response.content.decode()
        # Served by the sidecar from our own static files: no outside network.
        assert "drf_spectacular_sidecar" in text and "cdn" not in text.lower(), page


def test_the_schema_is_served_in_the_language_asked(client, db):
    english = client.get("/api/v1/schema/?lang=en&format=json").json()
    vietnamese = client.get("/api/v1/schema/?format=json").json()
    kinds = {
        "en": english["components"]["schemas"]["PlaceKindEnum"]["description"],
        "vi": vietnamese["components"]["schemas"]["PlaceKindEnum"]["description"],
    }
    assert "`village` - village" in kinds["en"] and "`village` - thôn" in kinds["vi"]
