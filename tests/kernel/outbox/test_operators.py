"""What operators see and do: ``manage.py outbox`` and the admin pages."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from consorcio.jobs import add_job_message, start_job
from consorcio.models import OutboxDelivery, OutboxEvent
from consorcio.outbox import DeliveryOutcome, deliver
from tests.kernel.outbox.events import BYSTANDER, NOTICER

pytestmark = pytest.mark.django_db


def _outbox(*args: str) -> str:
    out = StringIO()
    call_command("outbox", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def dead_delivery(publish_thing, settings) -> OutboxDelivery:
    settings.OUTBOX_MAX_ATTEMPTS = 2
    event = publish_thing(thing_id=30, explode=True)
    delivery = OutboxDelivery.objects.get(event=event, subscriber=NOTICER)
    deliver(delivery.pk)
    assert deliver(delivery.pk) is DeliveryOutcome.DEAD
    delivery.refresh_from_db()
    return delivery


def test_outbox_status_counts_deliveries_by_status_and_ages_the_oldest_pending(dead_delivery):
    output = _outbox("status")

    assert "pendente                 1" in output  # the bystander's delivery
    assert "entregue                 0" in output
    assert "falhou definitivamente   1" in output
    assert "Pendente mais antiga: há" in output


def test_outbox_dead_lists_each_dead_letter_with_type_subscriber_attempts_and_error(
    dead_delivery,
):
    output = _outbox("dead")

    assert "1 entrega(s) falharam definitivamente" in output
    assert f"#{dead_delivery.pk}  tests.thing.happened  {NOTICER}  tentativas=2" in output
    assert "erro: RuntimeError: boom on thing 30" in output


def test_outbox_retry_puts_a_dead_letter_back_in_the_queue_with_attempts_reset(
    dead_delivery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        output = _outbox("retry", str(dead_delivery.pk))

    assert f"1 entrega(s) devolvida(s) à fila: #{dead_delivery.pk}" in output
    dead_delivery.refresh_from_db()
    assert (dead_delivery.status, dead_delivery.attempts) == ("pending", 0)
    assert len(callbacks) == 1  # enqueued after commit
    assert "Nenhuma entrega falhou definitivamente." in _outbox("dead")
    # It really goes again: the subscriber runs (and, still broken, fails once more).
    assert deliver(dead_delivery.pk) is DeliveryOutcome.FAILED


def test_outbox_retry_all_dead_retries_every_dead_letter(
    dead_delivery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        output = _outbox("retry", "--all-dead")

    assert "1 entrega(s) devolvida(s)" in output
    assert OutboxDelivery.objects.filter(status="dead").count() == 0


def test_outbox_retry_refuses_a_delivery_that_is_not_dead_and_changes_nothing(dead_delivery):
    pending = OutboxDelivery.objects.get(event=dead_delivery.event, subscriber=BYSTANDER)
    deliver(pending.pk)
    before = list(OutboxDelivery.objects.order_by("id").values())

    with pytest.raises(CommandError, match="Nenhuma das entregas"):
        _outbox("retry", str(pending.pk), "999999")

    assert list(OutboxDelivery.objects.order_by("id").values()) == before


@pytest.fixture
def admin_client_with_staff(client):
    user = get_user_model().objects.create_superuser(username="operador", password="x")
    client.force_login(user)
    return client


def test_the_admin_lists_events_deliveries_and_jobs_read_only(
    admin_client_with_staff, dead_delivery
):
    for name in ["outboxevent", "outboxdelivery", "job"]:
        url = reverse(f"admin:consorcio_{name}_changelist")
        assert admin_client_with_staff.get(url).status_code == 200, name
        assert admin_client_with_staff.get(url, {"q": "boom 30"}).status_code == 200, name
    event_page = admin_client_with_staff.get(
        reverse("admin:consorcio_outboxevent_change", args=[dead_delivery.event_id])
    )
    assert event_page.status_code == 200
    assert NOTICER in event_page.content.decode()
    add_page = admin_client_with_staff.get(reverse("admin:consorcio_outboxevent_add"))
    assert add_page.status_code == 403
    job = start_job(kind="tests.admin", description="Remessa CNAB 240")
    add_job_message(job, "warning", "Linha 3 ignorada.")
    job_page = admin_client_with_staff.get(reverse("admin:consorcio_job_change", args=[job.pk]))
    assert job_page.status_code == 200
    assert "Linha 3 ignorada." in job_page.content.decode()


def test_the_admin_resend_action_puts_selected_dead_letters_back_in_the_queue(
    admin_client_with_staff, dead_delivery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client_with_staff.post(
            reverse("admin:consorcio_outboxdelivery_changelist"),
            {"action": "resend", "_selected_action": [str(dead_delivery.pk)]},
            follow=True,
        )

    assert response.status_code == 200
    assert "1 entrega(s) devolvida(s) à fila." in response.content.decode()
    dead_delivery.refresh_from_db()
    assert (dead_delivery.status, dead_delivery.attempts) == ("pending", 0)
    assert len(callbacks) == 1
    assert OutboxEvent.objects.count() == 1
