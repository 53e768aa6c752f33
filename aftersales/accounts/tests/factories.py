import factory

from aftersales.accounts.choices import UserRole
from aftersales.accounts.models import Team, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    role = UserRole.AGENT
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pw-Secret-123")
    is_staff = factory.LazyAttribute(lambda u: u.role == UserRole.ADMIN)
    is_superuser = factory.LazyAttribute(lambda u: u.role == UserRole.ADMIN)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    code = factory.Sequence(lambda n: f"team-{n}")
    name = factory.Sequence(lambda n: f"Team {n}")
