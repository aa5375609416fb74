"""Prometheus metrics. Requests are counted as they are served (in each gunicorn worker; the
workers add them up through PROMETHEUS_MULTIPROC_DIR); what lives in the database — terminal
decisions, the task queue, deliveries — is read from its tables at each scrape (the task queue
from Redis when it lives there)."""

import os
from datetime import UTC, timedelta

from django.conf import settings
from django.db.models import Count, Min
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY

from civicard.access.models import Decision
from civicard.core import clock
from civicard.notifications.models import Delivery

UNMATCHED_ROUTE = "<unmatched>"
DECISION_WINDOW = timedelta(minutes=5)

requests_total = Counter(
    "civicard_http_requests", "HTTP requests served, by route and status.",
    ["method", "route", "status"])
request_seconds = Histogram(
    "civicard_http_request_duration_seconds", "Time to answer a request, by route.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    requests_total.labels(method, route, str(status)).inc()
    request_seconds.labels(method, route).observe(seconds)


class DatabaseCollector:
    """Gauges read from the tables when Prometheus scrapes: a few indexed queries."""

    def collect(self):
        now = clock.now()
        yield self._decisions(now)
        yield from self._tasks(now)
        yield from self._deliveries()

    @staticmethod
    def _decisions(now):
        gauge = GaugeMetricFamily(
            "civicard_terminal_decisions_recent",
            "Terminal decisions taken in the last five minutes, by outcome and reason.",
            labels=["outcome", "reason"])
        rows = (Decision.objects.filter(at__gt=now - DECISION_WINDOW, at__lte=now)
                .values_list("outcome", "reason_code").annotate(n=Count("id"))
                .order_by("outcome", "reason_code"))
        for outcome, reason, count in rows:
            gauge.add_metric([outcome, reason], count)
        return gauge

    @staticmethod
    def _tasks(now):
        if settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
            yield from DatabaseCollector._rq_tasks(now)
            return
        ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        # A task enqueued to run at once carries the far-future sentinel as `run_after`.
        unscheduled = ready.filter(run_after=get_date_max())
        due = ready.exclude(run_after=get_date_max()).filter(run_after__lte=now)
        waiting = GaugeMetricFamily(
            "civicard_tasks_ready", "Tasks waiting for a worker, by queue.", labels=["queue"])
        counts = {}
        for queryset in (unscheduled, due):
            for queue, count in queryset.values_list("queue_name").annotate(n=Count("id")) \
                    .order_by("queue_name"):
                counts[queue] = counts.get(queue, 0) + count
        for queue, count in sorted(counts.items()):
            waiting.add_metric([queue], count)
        yield waiting
        yield GaugeMetricFamily(
            "civicard_tasks_deferred", "Tasks scheduled for later (e.g. delivery retries).",
            value=ready.filter(run_after__gt=now).exclude(run_after=get_date_max()).count())
        became_due = [
            unscheduled.aggregate(at=Min("enqueued_at"))["at"],
            due.aggregate(at=Min("run_after"))["at"],
        ]
        oldest = min((at for at in became_due if at is not None), default=None)
        yield GaugeMetricFamily(
            "civicard_tasks_oldest_ready_age_seconds",
            "How long the oldest waiting task has waited for a worker (0 when none waits).",
            value=(now - oldest).total_seconds() if oldest else 0)

    @staticmethod
    def _rq_tasks(now):
        """The same three gauges when the queue is in Redis (CIVICARD_TASK_BACKEND=rq)."""
        import django_rq
        from rq.registry import ScheduledJobRegistry

        waiting = GaugeMetricFamily(
            "civicard_tasks_ready", "Tasks waiting for a worker, by queue.", labels=["queue"])
        deferred, oldest = 0, None
        for name in sorted(settings.TASKS["default"].get("QUEUES") or ["default"]):
            queue = django_rq.get_queue(name)
            waiting.add_metric([name], queue.count)
            deferred += ScheduledJobRegistry(queue=queue).count
            first = queue.get_job_ids(0, 1)
            job = queue.fetch_job(first[0]) if first else None
            if job is not None and job.enqueued_at is not None:
                at = job.enqueued_at
                at = at if at.tzinfo else at.replace(tzinfo=UTC)
                oldest = at if oldest is None else min(oldest, at)
        yield waiting
        yield GaugeMetricFamily(
            "civicard_tasks_deferred", "Tasks scheduled for later (e.g. delivery retries).",
            value=deferred)
        yield GaugeMetricFamily(
            "civicard_tasks_oldest_ready_age_seconds",
            "How long the oldest waiting task has waited for a worker (0 when none waits).",
            value=max(0.0, (now - oldest).total_seconds()) if oldest else 0)

    @staticmethod
    def _deliveries():
        unsent = dict(Delivery.objects.exclude(status=Delivery.Status.SENT)
                      .values_list("status").annotate(n=Count("id")).order_by())
        gauge = GaugeMetricFamily(
            "civicard_deliveries_unsent",
            "Messages not delivered: pending (first try or retrying) or failed for good.",
            labels=["status"])
        for status in (Delivery.Status.PENDING, Delivery.Status.FAILED):
            gauge.add_metric([status.value], unsent.get(status, 0))
        yield gauge
        yield GaugeMetricFamily(
            "civicard_deliveries_retrying",
            "Pending messages whose sending has failed at least once.",
            value=Delivery.objects.filter(status=Delivery.Status.PENDING, attempts__gt=0).count())


def exposition() -> bytes:
    """The text format: every worker's request metrics, then the database's gauges."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessMetrics())
    registry.register(DatabaseCollector())
    return generate_latest(registry)


class _ProcessMetrics:
    """This process's own metrics (development server, tests) when not under gunicorn."""

    def collect(self):
        yield from REGISTRY.collect()
