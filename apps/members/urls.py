"""Staff pages of the members context, mounted at ``/membros/`` (namespace ``members``)."""

from django.urls import path

from apps.members import views

app_name = "members"

urlpatterns = [
    path("", views.MemberListView.as_view(), name="list"),
    path("novo/", views.member_create, name="create"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/editar/", views.member_edit, name="edit"),
]
