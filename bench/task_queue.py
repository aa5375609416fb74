"""The task queue itself, on either backend: N notification e-mails, one `deliver` task each (as
`notifications.operations.notify` enqueues them), run by `--workers` `civicard worker`
processes. The e-mail backend is Django's dummy one, so what is timed is the queue and the
task's own database work (claim the delivery row, mark it sent), not SMTP.

    createdb -h 127.0.0.1 -U postgres civicard_queue_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/civicard_queue_bench
    .venv/bin/civicard migrate -v0
    .venv/bin/python bench/task_queue.py --deliveries 2000
    CIVICARD_TASK_BACKEND=rq CIVICARD_REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/task_queue.py --deliveries 2000 [--fork]

On RQ, `civicard worker` runs RQ's SimpleWorker (each task in the worker's process); `--fork`
runs RQ's default worker instead, which forks a child, with its own database connection, for
every task. The clock
starts when the tasks are enqueued (the enqueueing is timed separately) and stops when every
delivery is marked sent.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicard.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402

from civicard.notifications import operations  # noqa: E402
from civicard.notifications.models import Delivery  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--fork", action="store_true")
    parser.add_argument("--timeout", type=int, default=600)
    args = parser.parse_args()
    on_rq = settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
    if on_rq:
        import django_rq

        django_rq.get_queue("default").connection.flushdb()
    Delivery.objects.filter(to__endswith="@queue.bench").delete()
    start = time.perf_counter()
    with transaction.atomic():
        for n in range(args.deliveries):
            operations.send_rendered_email(to=f"r{n}@queue.bench", subject="Bench",
                                           body="One task per e-mail.")
    enqueued = time.perf_counter() - start
    print(f"queue: {settings.TASKS['default']['BACKEND']}"
          f"{' (forking Worker)' if args.fork else ''}, {args.workers} worker(s); "
          f"{args.deliveries} tasks written and enqueued in {enqueued:.1f} s "
          f"({args.deliveries / enqueued:.0f}/s)")
    options = ([] if not on_rq else
               ["--worker-class", "rq.worker.Worker"] if args.fork else [])
    if not on_rq:
        options = ["--no-startup-delay", "--interval", "0.1"]
    environment = {**os.environ,
                   "CIVICARD_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}
    start = time.perf_counter()
    workers = [subprocess.Popen([str(ROOT / ".venv/bin/civicard"), "worker", *options, "-v", "0"],
                                env=environment, stdout=subprocess.DEVNULL)
               for _ in range(args.workers)]
    pending = Delivery.objects.filter(to__endswith="@queue.bench").exclude(status="sent")
    while pending.exists() and time.perf_counter() - start < args.timeout:
        time.sleep(0.2)
    elapsed = time.perf_counter() - start
    for worker in workers:
        worker.terminate()
        worker.wait(timeout=120)
    sent = Delivery.objects.filter(to__endswith="@queue.bench", status="sent").count()
    print(f"run: {sent} of {args.deliveries} deliveries sent in {elapsed:.1f} s "
          f"({sent / elapsed:.0f} tasks/s, {elapsed / max(sent, 1) * 1000:.1f} ms a task)")


if __name__ == "__main__":
    main()
