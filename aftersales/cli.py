"""The ``aftersales`` command: Django's ``manage.py`` under the product's name."""

import os
import sys


def main() -> None:
    """Run a management command (``aftersales migrate``, ``aftersales createtoken USER``...)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([os.path.basename(sys.argv[0]), *sys.argv[1:]])


if __name__ == "__main__":
    main()
