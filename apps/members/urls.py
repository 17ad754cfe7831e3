"""Staff pages of the members context, mounted at ``/membros/`` (namespace ``members``)."""

from django.urls import path

from apps.members import views

app_name = "members"

urlpatterns = [
    path("", views.MemberListView.as_view(), name="list"),
    path("novo/", views.member_create, name="create"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/editar/", views.member_edit, name="edit"),
    path("<int:pk>/enderecos/", views.member_addresses, name="addresses"),
    path("<int:pk>/enderecos/remover/", views.member_address_remove, name="address_remove"),
    path("<int:pk>/enderecos/principal/", views.member_address_primary, name="address_primary"),
    path("<int:pk>/telefones/", views.member_phones, name="phones"),
    path("<int:pk>/telefones/remover/", views.member_phone_remove, name="phone_remove"),
    path("<int:pk>/consentimentos/", views.member_consents, name="consents"),
    path("<int:pk>/consentimentos/revogar/", views.member_consent_revoke, name="consent_revoke"),
]
