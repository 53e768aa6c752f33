from django.core.management.base import BaseCommand

from aftersales.channels.services.directory import known_numbers_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the directory of known phone numbers from contacts and customers (after a bulk "
        "import, or after CHANNELS_LOCAL_AREA_CODE changed)."
    )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        self.stdout.write(str(known_numbers_rebuild()))
