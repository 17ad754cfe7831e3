from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Contas e acessos"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # API platform: the token-blacklist system check and our JWT scheme in the schema.
        from apps.accounts.api import checks, schema  # noqa: F401
