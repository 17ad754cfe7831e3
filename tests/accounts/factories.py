"""Rows of the accounts context for tests (states come from the services)."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from apps.accounts.models import SalesChannel, SalesRepresentative, User

PASSWORD = "Correta-Cavalo-Bateria-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"colaborador{n}")
    full_name = factory.Sequence(lambda n: f"Colaborador {n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    kind = User.Kind.STAFF

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*(Group.objects.get(name=str(role)) for role in extracted))


class SalesChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesChannel

    code = factory.Sequence(lambda n: f"canal-{n}")
    name = factory.Sequence(lambda n: f"Canal {n}")
    kind = SalesChannel.Kind.PARTNER


class SalesRepresentativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesRepresentative

    user = factory.SubFactory(UserFactory)
    channel = factory.SubFactory(SalesChannelFactory)
