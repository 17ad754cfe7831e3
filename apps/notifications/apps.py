from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = "Notificações"
    default_auto_field = "django.db.models.BigAutoField"
