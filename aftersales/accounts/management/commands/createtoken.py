from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.accounts.services import token_get_or_create


class Command(BaseCommand):
    help = "Print USER's API token alone on the last line (created if missing)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("username")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(
                _("No user named “%(name)s”.") % {"name": options["username"]}
            ) from None
        self.stdout.write(token_get_or_create(user=user))
