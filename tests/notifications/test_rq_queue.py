"""The task queue in Redis (CIVICARD_TASK_BACKEND=rq, docs/scaling.md): a notification's
delivery enqueued through django-tasks-rq into the machine's Redis, then run by an RQ worker in
burst mode. Redis is at CIVICARD_TEST_REDIS_URL (default redis://127.0.0.1:6379/5), a database
number used by these tests only: each test empties it. Without Redis the tests are skipped,
except in CI (CI is set), where they fail."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail

from civicard.notifications import operations
from civicard.notifications.models import Delivery
from civicard.notifications.tasks import deliver

REDIS_URL = os.environ.get("CIVICARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rq_queue(settings):
    import django_rq
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as error:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is unreachable at {REDIS_URL} in CI: {error}")
        pytest.skip(f"Redis is unreachable at {REDIS_URL}")
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 60}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend",
                                  "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default")
    queue.connection.flushdb()  # the queue, and RQ's registries of scheduled and finished jobs
    yield queue
    queue.connection.flushdb()


def burst_worker(queue):
    """An RQ worker in this process (SimpleWorker: no fork, so it sees the test's
    transaction), with django-tasks-rq's job class, that stops when the queue is empty."""
    from django_tasks_rq import Job
    from rq import SimpleWorker

    worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
    return worker.work(burst=True)


@pytest.mark.django_db
def test_a_delivery_goes_through_redis_and_an_rq_worker(rq_queue,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        delivery = operations.send_rendered_email(to="lea@example.org", subject="Bonjour",
                                                  body="Votre carte est prête.")
    assert rq_queue.count == 1
    job_id = rq_queue.job_ids[0]
    assert Delivery.objects.get().status == Delivery.Status.PENDING and mail.outbox == []

    assert burst_worker(rq_queue) is True

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        Delivery.Status.SENT, 1, "")
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [
        (["lea@example.org"], "Bonjour", "Votre carte est prête.")]
    assert rq_queue.count == 0
    result = deliver.get_backend().get_result(job_id)
    assert (result.status, result.return_value) == ("SUCCESSFUL", "sent")


@pytest.mark.django_db
def test_a_failed_delivery_is_deferred_in_redis_for_rq_s_scheduler(
        rq_queue, django_capture_on_commit_callbacks, settings):
    from rq.registry import ScheduledJobRegistry

    settings.EMAIL_BACKEND = "tests.notifications.test_rq_queue.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        delivery = operations.send_rendered_email(to="lea@example.org", subject="Bonjour",
                                                  body="Votre carte est prête.")
    with django_capture_on_commit_callbacks(execute=True):
        assert burst_worker(rq_queue) is True
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 1)
    assert delivery.last_error == "ConnectionRefusedError: the SMTP server said no"
    assert rq_queue.count == 0  # the retry waits in the scheduled registry, not in the queue
    assert len(ScheduledJobRegistry(queue=rq_queue)) == 1


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the SMTP server said no")


def test_the_settings_and_the_worker_command_follow_civicard_task_backend():
    environment = {**os.environ, "CIVICARD_TASK_BACKEND": "rq",
                   "CIVICARD_REDIS_URL": REDIS_URL, "DJANGO_SETTINGS_MODULE": "civicard.settings"}
    environment.pop("DATABASE_REPLICA_URL", None)
    script = ("from django.conf import settings; from civicard.cli import worker_command; "
              "print(settings.TASKS['default']['BACKEND'], settings.RQ_QUEUES['default']['URL'],"
              " 'django_rq' in settings.INSTALLED_APPS, ' '.join(worker_command()))")
    shown = subprocess.run([sys.executable, "-c", script], env=environment, cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    assert shown == ["django_tasks_rq.RQBackend", REDIS_URL, "True", "rqworker", "--job-class",
                     "django_tasks_rq.Job", "--worker-class", "rq.worker.SimpleWorker",
                     "--with-scheduler"]
    environment["CIVICARD_TASK_BACKEND"] = "database"
    shown = subprocess.run([sys.executable, "-c", script], env=environment, cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    assert shown[0] == "django_tasks_db.DatabaseBackend" and shown[-1] == "db_worker"
    assert shown[2] == "False"


def test_production_refuses_the_rq_queue_without_its_redis():
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("CIVICARD_REDIS_URL", "REDIS_URL", "DATABASE_REPLICA_URL")}
    environment.update({"CIVICARD_ENV": "production", "CIVICARD_SECRET_KEY": "k" * 60,
                        "CIVICARD_TASK_BACKEND": "rq",
                        "DJANGO_SETTINGS_MODULE": "civicard.settings"})
    run = subprocess.run([sys.executable, "-c", "from django.conf import settings; settings.TASKS"],
                         env=environment, cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 1
    assert "CIVICARD_REDIS_URL must be set when CIVICARD_TASK_BACKEND=rq." in run.stderr


@pytest.mark.django_db
def test_metrics_read_the_queue_in_redis(rq_queue, client, settings,
                                         django_capture_on_commit_callbacks):
    from datetime import timedelta

    from civicard.core import clock

    settings.CIVICARD_METRICS_TOKEN = "metrics-token"
    with django_capture_on_commit_callbacks(execute=True):
        for to in ("a@example.org", "b@example.org"):
            operations.send_rendered_email(to=to, subject="s", body="b")
    deliver.using(run_after=clock.now() + timedelta(hours=1)).enqueue(0)
    with clock.frozen(clock.now() + timedelta(seconds=90)):
        text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer metrics-token").content.decode()
    values = {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines()
              if line.startswith("civicard_tasks_")}
    assert values['civicard_tasks_ready{queue="default"}'] == 2
    assert values["civicard_tasks_deferred"] == 1
    assert values["civicard_tasks_oldest_ready_age_seconds"] == pytest.approx(90, abs=5)


@pytest.mark.django_db(transaction=True)
def test_an_rq_task_starts_on_a_fresh_connection_when_the_old_one_broke(rq_queue,
                                                                       postgres_only):
    """SimpleWorker keeps its process: a connection that broke since the last task (the
    database restarted) is dropped before the next task, which then runs."""
    from django.db import connection

    delivery = operations.send_rendered_email(to="lea@example.org", subject="Bonjour",
                                              body="Votre carte est prête.")  # autocommit
    assert rq_queue.count == 1
    connection.ensure_connection()
    connection.connection.close()  # as if the server had gone away
    assert connection.is_usable() is False
    assert burst_worker(rq_queue) is True
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 1)
