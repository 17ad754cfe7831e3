from django.apps import AppConfig


class DrawsConfig(AppConfig):
    name = "apps.draws"
    label = "draws"
    verbose_name = "Assembleias"
    default_auto_field = "django.db.models.BigAutoField"
