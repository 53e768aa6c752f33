from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aftersales.demo.data import DEMO_PASSWORD, demo_clear, demo_is_loaded, demo_load


class Command(BaseCommand):
    help = (
        "Load (or reload) realistic Chinese demo data: customers, assets, contracts and ~200 cases."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when data already exists."
        )
        parser.add_argument("--force", action="store_true", help="Allow reloading with DEBUG off.")
        parser.add_argument("--cases", type=int, default=200, help="How many cases to create.")
        parser.add_argument("--seed", type=int, default=20261125)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if demo_is_loaded():
            if options["if_empty"]:
                self.stdout.write("Data already present; demo not loaded again.")
                return
            if not settings.DEBUG and not options["force"]:
                raise CommandError("Refusing to replace data with DEBUG off; pass --force.")
            demo_clear()
        summary = demo_load(seed=options["seed"], case_count=options["cases"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: {summary.customers} customers, {summary.contracts} contracts, "
                f"{summary.assets} assets, {summary.cases} cases, {summary.users} users "
                f"(password for every demo user: {DEMO_PASSWORD})."
            )
        )
