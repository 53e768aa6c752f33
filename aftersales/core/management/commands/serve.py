"""Serve the embedded install: the development server plus the in-process scheduler."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from aftersales.core.scheduler import start_in_background


def login_help(url: str) -> str:
    """Return how to sign in: the demo accounts when they are present, else how to make one."""
    from aftersales.accounts.models import User
    from aftersales.demo.data import DEMO_PASSWORD

    admin = User.objects.filter(username="admin", is_superuser=True).first()
    if admin is None or not admin.check_password(DEMO_PASSWORD):
        return (
            f"  Admin:    {url}/admin/  (create an account: .venv/bin/aftersales createsuperuser)\n"
            f"  REST API: {url}/api/v1/  docs {url}/api/docs/\n"
        )
    return (
        f"  Admin:      {url}/admin/   user admin   password {DEMO_PASSWORD}\n"
        f"  Demo agent: user agent   password {DEMO_PASSWORD}\n"
        "  Other demo users (supervisor sup_east, engineer eng_zhang, customer contact_sh_rmyy)\n"
        "  use the same password.\n"
        f"  REST API:   {url}/api/v1/   docs {url}/api/docs/\n"
        "  API token:  .venv/bin/aftersales createtoken agent\n"
    )


class Command(BaseCommand):
    help = "Serve the app with its periodic background jobs running in-process (no broker needed)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--addr", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-scheduler", action="store_true")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        url = f"http://{options['addr']}:{options['port']}"
        self.stdout.write(self.style.SUCCESS(f"\naftersales is starting on {url}"))
        self.stdout.write(login_help(url))
        if settings.AFTERSALES_SCHEDULER_ENABLED and not options["no_scheduler"]:
            start_in_background()
        call_command("runserver", f"{options['addr']}:{options['port']}", use_reloader=False)
