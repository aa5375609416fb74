"""`civicard <command>`: manage.py for Civicard. `civicard import-places` runs the
`import_places` command; `civicard worker` runs the task worker."""

import os
import sys

ALIASES = {"worker": ["db_worker"]}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicard.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:]
    if args and not args[0].startswith("-"):
        args = ALIASES.get(args[0], [args[0].replace("-", "_")]) + args[1:]
    execute_from_command_line(["civicard", *args])


if __name__ == "__main__":
    main()
