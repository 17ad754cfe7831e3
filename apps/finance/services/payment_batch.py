"""Applying a chunk of bank settlements at once (ISSUE 11 §9: the return-file import's speed).

``services.payments.apply_payment`` applies one settlement: a Redis lock, about twenty queries,
a ledger posting and an auditlog entry per record. A bank return file's chunk (already under the
file's lock, its charges row-locked in primary-key order by one query) is applied here with the
same result, record for record, in a few statements:

- the chunk's settlement ids already applied are found in one query (the unique
  ``Payment.settlement_id`` stays the database guarantee);
- the group rules, the adjustment differences (A3) and the late-charge terms are read for the
  whole chunk, and each settlement is allocated by the very functions the single path uses
  (``payment_allocation.allocation_of``, ``payments.payment_posting``/``build_payment``);
- the ledger transactions go in by ``ledger.post_transactions`` (COPY), the price differences
  and payments by COPY, the charges and installments become paid by two UPDATEs, and the
  auditlog entries the single path's signals would write are written by one COPY (same
  content: the creation diff of each price difference and payment).

``SettlementBatch.add`` takes what it can apply identically and returns a ``Pending`` whose
``result`` (a ``PaymentResult``, or the ``DomainError`` refusing it) is set by ``flush``; it
returns None for what it cannot (a bid charge, a cancelled charge, a charge without a schedule,
a charge the caller applied one record at a time): the caller flushes and applies that record
through the single path, in file order. A flush the database refuses (a settlement id applied
meanwhile elsewhere, say) is undone to its savepoint and its records go through
``apply_payment`` one by one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from auditlog.cid import get_cid
from auditlog.context import auditlog_disabled
from auditlog.diff import (
    get_field_value,
    get_fields_in_model,
    get_mask_function,
    is_primitive,
)
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.signals import post_log, pre_log
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models import Model, Sum
from django.db.models.signals import pre_save
from django.utils.encoding import smart_str

from apps.finance.models import (
    Charge,
    ChargeKind,
    ChargeStatus,
    DifferenceReason,
    Installment,
    InstallmentStatus,
    Payment,
    PriceDifference,
)
from apps.finance.services import ledger, payments
from apps.finance.services.late_charges import LateChargeRules
from apps.finance.services.payment_allocation import allocation_of, late_charge_rules
from apps.groups import selectors as group_selectors
from consorcio.errors import DomainError
from consorcio.money import ZERO

__all__ = ["Pending", "SettlementBatch", "apply_settlements"]


@dataclass(slots=True)
class Pending:
    """One settlement given to the batch; ``result`` is set by ``flush`` (or at once when the
    settlement is refused or was applied before)."""

    charge: Charge
    settlement_id: str
    amount: Decimal
    paid_on: dt.date
    credited_on: dt.date
    fine_interest: Decimal | None
    discount: Decimal
    bank_fee: Decimal
    result: payments.PaymentResult | DomainError | None = None
    # Filled for a new payment: its rows, written by flush.
    payment: Payment | None = None
    price_difference: PriceDifference | None = None
    posting: ledger.Posting | None = None
    opens: bool = False  # the charge was unpaid: this payment makes it (and its installments) paid


@dataclass(slots=True)
class _Adjustments:
    carried: dict[int, Decimal] = field(default_factory=dict)
    # charge id -> [(credit value in force from, amount)]
    repricing: dict[int, list[tuple[dt.date, Decimal]]] = field(default_factory=dict)


class SettlementBatch:
    """The settlements of one chunk, applied together (see the module doc).

    ``charges`` are the chunk's charges, row-locked by the caller in the current transaction;
    ``settlement_ids`` every settlement id the chunk may add (looked up once).
    """

    def __init__(
        self, *, charges: Iterable[Charge], settlement_ids: Iterable[str], source: str
    ) -> None:
        self.source = source
        self._charges = {charge.pk: charge for charge in charges}
        self._pending: list[Pending] = []
        self._manual: set[int] = set()  # charges applied one record at a time
        ids = list(set(settlement_ids))
        self._known: dict[str, Payment] = (
            {p.settlement_id: p for p in Payment.objects.filter(settlement_id__in=ids)}
            if ids
            else {}
        )
        self._adjustments = _load_adjustments(list(self._charges))
        self._rules: dict[int, list[tuple[int, dt.date, LateChargeRules]]] = {}
        self._current_rules: dict[int, LateChargeRules] = {}

    # ----------------------------------------------------------------------------------------
    # Adding

    def handles(self, charge: Charge) -> bool:
        """Whether a settlement of ``charge`` is applied here identically to the single path."""
        return (
            charge.pk in self._charges
            and charge.pk not in self._manual
            and charge.kind != ChargeKind.BID
            and charge.status != ChargeStatus.CANCELLED
            and charge.schedule_id is not None
        )

    def applied_elsewhere(self, charge: Charge | None) -> None:
        """The caller applies a record of ``charge`` one at a time (after ``flush``): later
        records of that charge go the same way (the batch's view of it is stale)."""
        if charge is not None:
            self._manual.add(charge.pk)

    def add(
        self,
        *,
        charge: Charge,
        settlement_id: str,
        amount: Decimal,
        paid_on: dt.date,
        credited_on: dt.date,
        fine_interest: Decimal | None = None,
        discount: Decimal = ZERO,
        bank_fee: Decimal = ZERO,
    ) -> Pending | None:
        """Queue a settlement as ``apply_payment`` would apply it; None: not handled here."""
        if not self.handles(charge):
            return None
        pending = Pending(
            charge=charge,
            settlement_id=settlement_id,
            amount=amount,
            paid_on=paid_on,
            credited_on=credited_on,
            fine_interest=fine_interest,
            discount=discount,
            bank_fee=bank_fee,
        )
        self._pending.append(pending)
        try:
            payments.validate_payment(
                settlement_id=settlement_id,
                amount=amount,
                paid_on=paid_on,
                credited_on=credited_on,
                fine_interest=fine_interest,
                discount=discount,
                bank_fee=bank_fee,
                source=self.source,
                justification=None,
            )
            known = self._known.get(settlement_id)
            if known is not None:
                pending.result = payments.replay_payment(
                    known, charge_id=charge.pk, amount=amount, paid_on=paid_on
                )
                return pending
        except DomainError as refused:
            pending.result = refused
            return pending
        self._allocate(pending)
        return pending

    def _allocate(self, pending: Pending) -> None:
        charge = pending.charge
        alloc = allocation_of(
            charge,
            pending.paid_on,
            rules=self._rules_on(charge, pending.paid_on),
            adjustments=self._adjustments_of(charge.pk, pending.paid_on),
        )
        difference = alloc.total - pending.amount
        posting = payments.payment_posting(
            charge,
            alloc,
            settlement_id=pending.settlement_id,
            amount=pending.amount,
            bank_fee=pending.bank_fee,
            credited_on=pending.credited_on,
            source=self.source,
            actor_id=None,
        )
        pending.posting = ledger.Posting(**{**posting, "lines": tuple(posting["lines"])})
        if difference:
            assert charge.schedule_id is not None  # see handles()
            pending.price_difference = PriceDifference(
                quota_id=charge.quota_id,
                schedule_id=charge.schedule_id,
                source_charge=charge,
                reason=DifferenceReason.PAYMENT,
                amount=difference,
            )
        pending.payment = payments.build_payment(
            charge,
            alloc,
            settlement_id=pending.settlement_id,
            amount=pending.amount,
            paid_on=pending.paid_on,
            credited_on=pending.credited_on,
            source=self.source,
            actor_id=None,
            fine_interest=pending.fine_interest,
            discount=pending.discount,
            bank_fee=pending.bank_fee,
            justification="",
            price_difference=pending.price_difference,
            ledger_transaction_id=0,  # set by flush
        )
        pending.opens = charge.status != ChargeStatus.PAID
        # What the single path's next settlement of this charge would see.
        charge.status = ChargeStatus.PAID
        self._known[pending.settlement_id] = pending.payment
        pending.result = payments.PaymentResult(pending.payment, created=True)

    def _rules_on(self, charge: Charge, paid_on: dt.date) -> LateChargeRules:
        """``payment_allocation._rules_for`` from the group's versions read once."""
        group_id = charge.group_id
        if group_id not in self._rules:
            self._rules[group_id] = [
                (rules.version, rules.effective_from, late_charge_rules(rules))
                for rules in group_selectors.rules_history(charge.group)
            ]
        in_force = [
            (version, terms)
            for version, effective_from, terms in self._rules[group_id]
            if effective_from <= paid_on
        ]
        if in_force:
            return max(in_force, key=lambda item: item[0])[1]
        if group_id not in self._current_rules:
            self._current_rules[group_id] = late_charge_rules(charge.group.current_rules)
        return self._current_rules[group_id]

    def _adjustments_of(self, charge_id: int, paid_on: dt.date) -> tuple[Decimal, Decimal]:
        carried = self._adjustments.carried.get(charge_id, ZERO)
        repricing = self._adjustments.repricing.get(charge_id, ())
        rows = [amount for since, amount in repricing if since <= paid_on]
        return carried, (sum(rows[1:], rows[0]) if rows else ZERO)

    # ----------------------------------------------------------------------------------------
    # Writing

    def flush(self) -> None:
        """Write every queued settlement (in one savepoint; refused: one at a time)."""
        items, self._pending = self._pending, []
        fresh = [p for p in items if p.payment is not None]
        if not fresh:
            return
        try:
            with transaction.atomic():
                _write(fresh)
        except (IntegrityError, ledger.LedgerError):
            self._one_by_one(items)

    def _one_by_one(self, items: Sequence[Pending]) -> None:
        """The single path for each queued settlement (the batch's writes were undone)."""
        for pending in items:
            if isinstance(pending.result, DomainError):
                continue  # refused before anything was written, as the single path would
            self._manual.add(pending.charge.pk)
            pending.payment = pending.price_difference = pending.posting = None
            try:
                with transaction.atomic():
                    pending.result = payments.apply_payment(
                        charge=pending.charge,
                        settlement_id=pending.settlement_id,
                        amount=pending.amount,
                        paid_on=pending.paid_on,
                        credited_on=pending.credited_on,
                        source=self.source,
                        fine_interest=pending.fine_interest,
                        discount=pending.discount,
                        bank_fee=pending.bank_fee,
                    )
            except DomainError as refused:
                pending.result = refused
            else:
                self._known[pending.settlement_id] = pending.result.payment


def apply_settlements(
    settlements: Sequence[dict[str, object]], *, source: str, charges: Iterable[Charge]
) -> list[payments.PaymentResult | DomainError | None]:
    """Apply ``settlements`` (``apply_payment``'s keyword arguments without ``source``) of
    row-locked ``charges`` as one batch; per settlement its result, the ``DomainError`` that
    refused it, or None when it must go through ``apply_payment`` (the caller's to do)."""
    batch = SettlementBatch(
        charges=charges,
        settlement_ids=[str(s["settlement_id"]) for s in settlements],
        source=source,
    )
    queued = [batch.add(**s) for s in settlements]  # type: ignore[arg-type]
    batch.flush()
    return [pending.result if pending is not None else None for pending in queued]


def _load_adjustments(charge_ids: list[int]) -> _Adjustments:
    """The adjustment differences (A3) of the charges: carried, and re-pricing them (by the
    date the new credit value is in force), as ``payment_allocation`` reads them one by one."""
    found = _Adjustments()
    if not charge_ids:
        return found
    adjustment = PriceDifference.objects.filter(reason=DifferenceReason.ADJUSTMENT)
    for charge_id, total in (
        adjustment.filter(charge_id__in=charge_ids)
        .values("charge_id")
        .annotate(total=Sum("amount"))
        .values_list("charge_id", "total")
    ):
        found.carried[charge_id] = total
    for charge_id, since, amount in (
        adjustment.filter(source_charge_id__in=charge_ids, credit_value__isnull=False)
        .order_by("pk")
        .values_list("source_charge_id", "credit_value__effective_from", "amount")
    ):
        found.repricing.setdefault(charge_id, []).append((since, amount))
    return found


def _write(items: Sequence[Pending]) -> None:
    postings = [p.posting for p in items if p.posting is not None]
    results = ledger.post_transactions(postings)
    if any(not result.created for result in results):
        # A payment's reference posted without its payment row: not this batch's to sort out.
        raise ledger.IdempotencyConflict("Lançamento de pagamento já existente no lote.")
    differences = [p.price_difference for p in items if p.price_difference is not None]
    _copy_insert(PriceDifference, differences)
    rows: list[Payment] = []
    for pending, result in zip(items, results, strict=True):
        assert pending.payment is not None
        if pending.price_difference is not None:
            pending.payment.price_difference = pending.price_difference
        pending.payment.ledger_transaction_id = result.transaction_id
        # Nothing reverses a new payment: auditlog's diff reads that without a query.
        Payment.reversed_by.related.set_cached_value(pending.payment, None)
        rows.append(pending.payment)
    _copy_insert(Payment, rows)
    _mark_paid([p.charge for p in items if p.opens])
    audited: list[Model] = []
    for pending in items:
        if pending.price_difference is not None:
            audited.append(pending.price_difference)
        audited.append(pending.payment)  # type: ignore[arg-type]
    _log_created(audited)


def _copy_insert(model: type[Model], objects: Sequence[Model]) -> None:
    """``bulk_create`` by ``COPY … FROM STDIN`` (the ORM's SQL compiling was most of a batch's
    time): ids drawn from the sequence first, each field's ``pre_save`` and
    ``get_db_prep_save`` as Django sends them; sets ``pk`` and the saved state on each object.
    """
    if not objects:
        return
    table = model._meta.db_table
    pk = model._meta.pk
    assert pk is not None
    quote = connection.ops.quote_name
    # The raw COPY raises psycopg's errors: translated, a unique violation is an IntegrityError.
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk.column, len(objects)],
        )
        for obj, (new_id,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = new_id
        fields = list(model._meta.concrete_fields)
        columns = ", ".join(quote(f.column) for f in fields)
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrappers
        with raw.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row(
                    [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
                )
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias


_PAY_INSTALLMENTS = """
    UPDATE {table} i SET status = %s
      FROM unnest(%s::bigint[], %s::int[], %s::int[]) AS r(schedule_id, low, high)
     WHERE i.schedule_id = r.schedule_id AND i.number BETWEEN r.low AND r.high
       AND i.status = %s"""


def _mark_paid(charges: Sequence[Charge]) -> None:
    """``payments._mark_paid`` of many charges: two statements."""
    if not charges:
        return
    Charge.objects.filter(pk__in=[c.pk for c in charges]).update(status=ChargeStatus.PAID)
    ranges = [
        (c.schedule_id, c.first_installment, c.last_installment or c.first_installment)
        for c in charges
        if c.kind == ChargeKind.INSTALLMENT and c.first_installment is not None
    ]
    if not ranges:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _PAY_INSTALLMENTS.format(table=connection.ops.quote_name(Installment._meta.db_table)),
            [
                InstallmentStatus.PAID,
                [r[0] for r in ranges],
                [r[1] for r in ranges],
                [r[2] for r in ranges],
                InstallmentStatus.OPEN,
            ],
        )


class _CreationDiff:
    """``auditlog.diff.model_instance_diff(None, instance)`` for many new rows of one model:
    the audited fields and their "before" values (the fields' defaults) worked out once."""

    def __init__(self, sample: Model, json_changes: bool) -> None:
        self.json_changes = json_changes
        model_fields = auditlog.get_model_fields(type(sample))
        fields = list(set(get_fields_in_model(sample)))
        if model_fields["include_fields"]:
            fields = [f for f in fields if f.name in model_fields["include_fields"]]
        if model_fields["exclude_fields"]:
            fields = [f for f in fields if f.name not in model_fields["exclude_fields"]]
        self.fields = fields
        self.mask_fields = set(model_fields["mask_fields"])
        self.mask = get_mask_function(model_fields.get("mask_callable"))
        # A callable default gives a new value per call: worked out per row, as auditlog does.
        self.before = {
            f.name: get_field_value(None, f, json_changes)
            for f in fields
            if not callable(getattr(f, "default", None))
        }

    def of(self, instance: Model) -> dict[str, Any] | None:
        diff: dict[str, Any] = {}
        for audited in self.fields:
            old = (
                self.before[audited.name]
                if audited.name in self.before
                else get_field_value(None, audited, self.json_changes)
            )
            new = get_field_value(instance, audited, self.json_changes)
            if old == new:
                continue
            if audited.name in self.mask_fields:
                diff[audited.name] = (self.mask(smart_str(old)), self.mask(smart_str(new)))
            elif not self.json_changes:
                diff[audited.name] = (smart_str(old), smart_str(new))
            else:
                diff[audited.name] = (
                    old if is_primitive(old) else smart_str(old),
                    new if is_primitive(new) else smart_str(new),
                )
        return diff or None


def _log_created(instances: Sequence[Model]) -> None:
    """The auditlog entries auditlog's ``post_save`` receiver writes for these new rows, in one
    INSERT (same content: the creation diff, representation, correlation id and actor)."""
    if auditlog_disabled.get():
        return
    json_changes = bool(getattr(settings, "AUDITLOG_STORE_JSON_CHANGES", False))
    entries: list[tuple[LogEntry, Model, dict[str, Any], list[Any]]] = []
    by_model: dict[type[Model], ContentType] = {}
    diffs: dict[type[Model], _CreationDiff] = {}
    for instance in instances:
        model = type(instance)
        if not auditlog.contains(model):
            continue
        results = pre_log.send(model, instance=instance, action=LogEntry.Action.CREATE)
        if any(item[1] is False for item in results):
            continue
        if model not in by_model:
            by_model[model] = ContentType.objects.get_for_model(instance)
            diffs[model] = _CreationDiff(instance, json_changes)
        changes = diffs[model].of(instance)
        if not changes:
            continue
        pk = instance.pk
        entry = LogEntry(
            content_type=by_model[model],
            object_pk=pk,
            object_id=pk if isinstance(pk, int) else None,
            object_repr=smart_str(instance),
            serialized_data=LogEntry.objects._get_serialized_data_or_none(instance),
            action=LogEntry.Action.CREATE,
            changes=changes,
            cid=get_cid(),
        )
        get_additional_data = getattr(instance, "get_additional_data", None)
        if callable(get_additional_data):
            entry.additional_data = get_additional_data()
        # auditlog.context (set_actor) fills the actor and remote address on pre_save.
        pre_save.send(
            LogEntry, instance=entry, raw=False, using=connection.alias, update_fields=None
        )
        entries.append((entry, instance, changes, results))
    _copy_insert(LogEntry, [entry for entry, _, _, _ in entries])
    for entry, instance, changes, results in entries:
        post_log.send(
            type(instance),
            instance=instance,
            instance_old=None,
            action=LogEntry.Action.CREATE,
            error=None,
            pre_log_results=results,
            changes=changes,
            log_entry=entry,
            log_created=True,
            use_json_for_changes=json_changes,
        )
