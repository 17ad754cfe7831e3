"""Between two channels: each sees and downloads only its own documents (pages and API)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.documents import selectors
from apps.documents.services import storage
from tests.accounts.factories import SalesChannelFactory
from tests.documents.conftest import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_channels(representative, channel_client):
    north, south = SalesChannelFactory(name="Norte"), SalesChannelFactory(name="Sul")
    rep_north, rep_south = representative(north), representative(south)
    docs = {
        name: storage.store_version(
            actor=rep, kind="identity", title=f"RG {name}", filename="rg.pdf", content=PDF
        )
        for name, rep in (("norte", rep_north), ("sul", rep_south))
    }
    return {
        "north": north,
        "rep_north": rep_north,
        "rep_south": rep_south,
        "client_south": channel_client(south),
        "docs": docs,
    }


def test_selectors_scope_documents_and_versions_by_channel(two_channels):
    w = two_channels

    assert list(selectors.documents_visible_to(w["rep_north"])) == [w["docs"]["norte"].document]
    assert list(selectors.versions_visible_to(w["client_south"])) == [w["docs"]["sul"]]
    assert selectors.document_for(w["rep_south"], w["docs"]["norte"].document_id) is None
    assert selectors.version_for(w["rep_south"], w["docs"]["norte"].pk) is None


def test_pages_hide_the_other_channels_documents(two_channels, browser):
    w = two_channels
    client = browser(w["rep_south"])
    north_doc = w["docs"]["norte"]

    listing = client.get(reverse("documents:list")).content.decode()

    assert "RG sul" in listing
    assert "RG norte" not in listing
    assert client.get(reverse("documents:detail", args=[north_doc.document_id])).status_code == 404
    assert client.post(reverse("documents:version_link", args=[north_doc.pk])).status_code == 404


def test_the_api_hides_the_other_channels_documents(two_channels, api_as):
    w = two_channels
    api = api_as(w["client_south"])
    north_doc = w["docs"]["norte"]

    listing = api.get("/api/v1/documents/").json()

    assert [d["title"] for d in listing["results"]] == ["RG sul"]
    assert api.get(f"/api/v1/documents/{north_doc.document_id}/versions/").status_code == 404
    refused = api.get(f"/api/v1/document-versions/{north_doc.pk}/download-link/")
    assert refused.status_code == 404
    assert refused["Content-Type"] == "application/problem+json"


def test_a_channel_sees_its_representatives_documents_through_the_channel_owner(two_channels):
    w = two_channels
    shared = storage.store_version(
        actor=None,
        kind="contract",
        title="Contrato do canal Norte",
        filename="c.pdf",
        content=PDF,
        owner_channel_id=w["north"].pk,
    )

    # A representative sees its own uploads; a channel-owned document has no representative.
    assert shared.document not in selectors.documents_visible_to(w["rep_north"])
    assert shared.document not in selectors.documents_visible_to(w["rep_south"])
