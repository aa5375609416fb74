"""`civicard <command>`: manage.py for Civicard. `civicard import-places` runs the
`import_places` command; `civicard worker` runs the task worker of the configured queue:
django-tasks-db's `db_worker`, or with CIVICARD_TASK_BACKEND=rq django-rq's `rqworker` with the
job class of django-tasks-rq, RQ's SimpleWorker and RQ's scheduler (for tasks deferred to later,
e.g. a retry).
Options after `worker` go to that command (`--batch` for db_worker, `--burst` for rqworker)."""

import os
import sys

RQ_BACKEND = "django_tasks_rq.RQBackend"
# RQ's SimpleWorker runs each task in the worker's process: Civicard's tasks are many and small
# (one per e-mail), and forking a child with a new database connection for each cost more than
# the task (docs/scaling.md). `civicard worker --worker-class rq.worker.Worker` forks again.
RQ_WORKER = ["rqworker", "--job-class", "django_tasks_rq.Job", "--worker-class",
             "rq.worker.SimpleWorker", "--with-scheduler"]


def worker_command() -> list[str]:
    from django.conf import settings

    if settings.TASKS["default"]["BACKEND"] == RQ_BACKEND:
        return list(RQ_WORKER)
    return ["db_worker"]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicard.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:]
    if args and not args[0].startswith("-"):
        command = worker_command() if args[0] == "worker" else [args[0].replace("-", "_")]
        args = command + args[1:]
    execute_from_command_line(["civicard", *args])


if __name__ == "__main__":
    main()
