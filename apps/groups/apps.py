from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "apps.groups"
    label = "groups"
    verbose_name = "Grupos e cotas"
    default_auto_field = "django.db.models.BigAutoField"
