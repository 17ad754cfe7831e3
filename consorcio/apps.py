from django.apps import AppConfig


class ConsorcioConfig(AppConfig):
    name = "consorcio"
    verbose_name = "Núcleo"
    default_auto_field = "django.db.models.BigAutoField"
