from django.apps import AppConfig


class ConsorcioConfig(AppConfig):
    name = "consorcio"
    verbose_name = "Núcleo"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from consorcio.audit import register_audited_models
        from consorcio.observability import connect_request_id_signals

        connect_request_id_signals()
        register_audited_models()

        from consorcio.outbox import autodiscover_handlers

        # Every process (web, worker, commands) must know the same outbox subscribers.
        autodiscover_handlers()
