"""Staff pages of the draws context, mounted at ``/assembleias/`` (namespace ``draws``)."""

from django.urls import path

from apps.draws import pages

app_name = "draws"

urlpatterns = [
    path("", pages.AssemblyListView.as_view(), name="list"),
    path("gerar/", pages.assembly_generate, name="generate"),
    path("<int:pk>/", pages.assembly_detail, name="detail"),
    path("<int:pk>/situacao/", pages.assembly_transition, name="transition"),
    path("<int:pk>/extracao/", pages.assembly_extraction, name="extraction"),
    path("<int:pk>/apurar/", pages.assembly_compute, name="compute"),
    path("<int:pk>/lances/", pages.bid_entry, name="bid_entry"),
    path("<int:pk>/sorteio.json", pages.verifiable_document, name="verifiable_document"),
]
