"""Valid Brazilian documents and member data for tests (members are built by the services)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from stdnum.br import cnpj, cpf

from apps.members import services

_sequence = itertools.count(1)


def _cpf_digit(digits: str) -> str:
    total = sum(int(d) * w for d, w in zip(digits, range(len(digits) + 1, 1, -1), strict=True))
    return str(total * 10 % 11 % 10)


def new_cpf() -> str:
    """A fresh valid CPF (digits), different on every call."""
    while True:
        base = f"{(next(_sequence) * 7919 + 100000000) % 1000000000:09d}"
        number = base + _cpf_digit(base)
        number += _cpf_digit(number)
        if len(set(number)) > 1 and cpf.is_valid(number):
            return number


def new_cnpj() -> str:
    """A fresh valid CNPJ (digits)."""
    base = f"{(next(_sequence) * 104729) % 100000000:08d}0001"
    return base + cnpj.calc_check_digits(base)


def address(**overrides: Any) -> services.AddressData:
    """A valid address in São Paulo."""
    fields: dict[str, Any] = {
        "street": "Avenida Paulista",
        "number": "1000",
        "district": "Bela Vista",
        "city": "São Paulo",
        "uf": "SP",
        "cep": "01310-100",
    }
    fields.update(overrides)
    return services.AddressData(**fields)


def register(actor: Any = None, **fields: Any) -> Any:
    """Register a PF member through the service (actor: a superuser-like system by default)."""
    from django.contrib.auth.models import AnonymousUser

    data: dict[str, Any] = {
        "kind": "PF",
        "document": new_cpf(),
        "name": "Maria da Silva",
        "email": "",
        "monthly_income": Decimal("5000.00"),
        "addresses": [address()],
    }
    data.update(fields)
    return services.register_member(actor=actor or AnonymousUser(), **data)
