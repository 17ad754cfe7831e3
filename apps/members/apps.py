from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "apps.members"
    label = "members"
    verbose_name = "Consorciados"
    default_auto_field = "django.db.models.BigAutoField"
