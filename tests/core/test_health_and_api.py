import pytest


@pytest.mark.django_db
def test_health_reports_the_database(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_openapi_document_is_served(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Civicard API"
    assert "/api/people/me" in document["paths"]


@pytest.mark.django_db
def test_api_errors_have_code_message_and_fields(client):
    response = client.get("/api/people/me")
    assert response.status_code == 403
    assert response.json() == {"code": "permission_refused",
                               "message": "You are not allowed to do this.", "fields": {}}


@pytest.mark.django_db
def test_unknown_page_is_a_readable_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/api/docs"])
def test_pages_load_no_asset_from_another_host(client, path):
    import re

    page = client.get(path).content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets, path
    assert [a for a in assets if a.startswith(("http:", "https:", "//"))] == []
