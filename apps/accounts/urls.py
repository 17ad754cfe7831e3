"""Staff pages of the accounts context, mounted under ``/contas/`` (namespace ``accounts``)."""

from django.urls import URLPattern, URLResolver, path

from apps.accounts.views import auth, channels, two_factor, users

app_name = "accounts"

urlpatterns: list[URLPattern | URLResolver] = [
    path("entrar/", auth.LoginView.as_view(), name="login"),
    path("sair/", auth.LogoutView.as_view(), name="logout"),
    path("senha/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("senha/alterada/", auth.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("senha/recuperar/", auth.PasswordResetView.as_view(), name="password_reset"),
    path(
        "senha/recuperar/enviado/",
        auth.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "senha/redefinir/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "senha/redefinida/",
        auth.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("duas-etapas/", two_factor.two_factor_setup, name="two_factor_setup"),
    path("duas-etapas/verificar/", two_factor.two_factor_verify, name="two_factor_verify"),
    path(
        "duas-etapas/codigos/",
        two_factor.two_factor_backup_codes,
        name="two_factor_backup_codes",
    ),
    path("usuarios/", users.UserListView.as_view(), name="user_list"),
    path("usuarios/<int:pk>/", users.user_detail, name="user_detail"),
    path("usuarios/<int:pk>/desativar/", users.user_deactivate, name="user_deactivate"),
    path("usuarios/<int:pk>/reativar/", users.user_reactivate, name="user_reactivate"),
    path(
        "usuarios/<int:pk>/duas-etapas/redefinir/",
        users.user_reset_two_factor,
        name="user_reset_two_factor",
    ),
    path("canais/", channels.ChannelListView.as_view(), name="channel_list"),
    path("canais/novo/", channels.channel_create, name="channel_create"),
    path("canais/<int:pk>/", channels.channel_edit, name="channel_edit"),
    path("representantes/", channels.RepresentativeListView.as_view(), name="representative_list"),
    path("representantes/novo/", channels.representative_create, name="representative_create"),
    path("representantes/<int:pk>/", channels.representative_edit, name="representative_edit"),
]
