from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "apps.credit"
    label = "credit"
    verbose_name = "Crédito"
    default_auto_field = "django.db.models.BigAutoField"
