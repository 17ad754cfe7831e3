"""Staff pages of the groups context, mounted at ``/grupos/`` (namespace ``groups``)."""

from django.urls import path

from apps.groups import group_pages, quota_pages, sale_pages, views

app_name = "groups"

urlpatterns = [
    path("", views.GroupListView.as_view(), name="list"),
    path("novo/", group_pages.group_create, name="create"),
    path("<int:pk>/", views.group_detail, name="detail"),
    path("<int:pk>/regras/", group_pages.group_rules, name="rules"),
    path("<int:pk>/situacao/", group_pages.group_transition, name="transition"),
    path("<int:pk>/cotas/", quota_pages.quota_grid, name="quota_grid"),
    path("consorciados/<int:member_pk>/cotas/", quota_pages.member_quotas, name="member_quotas"),
    path("vender/", sale_pages.sale_start, name="sale_start"),
    path("vender/<int:group_pk>/", sale_pages.sale_quota, name="sale_quota"),
    path("vender/<int:group_pk>/consorciado/", sale_pages.sale_member, name="sale_member"),
    path("vender/<int:group_pk>/revisao/", sale_pages.sale_review, name="sale_review"),
    path("vender/reservas/<int:pk>/", sale_pages.sale_reservation, name="sale_reservation"),
    path("vender/reservas/<int:pk>/cancelar/", sale_pages.sale_cancel, name="sale_cancel"),
    path("vender/reservas/<int:pk>/contrato/", sale_pages.sale_contract, name="sale_contract"),
]
