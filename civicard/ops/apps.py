from django.apps import AppConfig


def _fresh_connections(sender, **kwargs):
    """Before each task an RQ worker runs: drop a database connection that broke or outlived
    CIVICARD_DB_CONN_MAX_AGE, as Django does before a request and db_worker before a task
    (RQ's SimpleWorker keeps one process, and its connections, for every task). A connection
    inside a transaction is left alone."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


class OpsConfig(AppConfig):
    """Running Civicard: request ids and JSON logs, Prometheus metrics, backups and restores.
    It reads other apps' tables to report on them and is imported by none of them."""

    name = "civicard.ops"

    def ready(self):
        from django_tasks.signals import task_started
        from django_tasks_rq import RQBackend

        task_started.connect(_fresh_connections, sender=RQBackend,
                             dispatch_uid="civicard.ops.fresh_connections")
