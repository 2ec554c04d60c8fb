"""gunicorn settings for production: `make serve`, or `gunicorn app:app` from this folder.

Issuing a token is CPU-bound (an RS256 signature is most of its cost), so one sync worker per
core keeps every core busy; more workers only add memory and context switches. Environment:
WEB_CONCURRENCY sets the number of workers (default: the number of cores), OAUTHAPP_BIND the
address (default 127.0.0.1:8000), OAUTHAPP_ACCESS_LOG a file for the access log ("-": stdout).
Command-line options override all of these. PROMETHEUS_MULTIPROC_DIR names the folder where the
workers keep their metrics, emptied at start (default: a new temporary folder, removed at exit).
"""

import glob
import os
import shutil
import tempfile

bind = os.environ.get("OAUTHAPP_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1)
worker_class = "sync"
backlog = 2048
timeout = 30  # a worker busy for longer is restarted
graceful_timeout = 20  # on SIGTERM, requests in flight get this long to finish
keepalive = 2
max_requests = 20000  # recycle workers now and then, with jitter so they do not all at once
max_requests_jitter = 2000
accesslog = os.environ.get("OAUTHAPP_ACCESS_LOG") or None
# The access line (logging.format text) names the path without its query string, which a
# client might fill with a token, and the request and client ids the application found.
access_log_format = (
    '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms '
    "request_id=%({x-request-id}o)s client_id=%({oauthapp.client_id}e)s"
)
# Error and access lines in config.yml's logging.format (text or json); see docs/operations.md.
logger_class = "oauthapp.logs.gunicorn_logger.Logger"
errorlog = "-"
# No control socket: its default path is shared by every gunicorn of the user, so a second
# instance on the same host would take it over from the first.
control_socket_disable = True
loglevel = "info"


def when_ready(server):  # type: ignore[no-untyped-def]
    """Say which issuer the workers will put in tokens (OAUTHAPP_ISSUER or config.yml)."""
    from oauthapp.settings import SettingsError, load_settings

    try:
        server.log.info("Issuer: %s", load_settings().oauth2_server.issuer)
    except SettingsError as error:  # the workers will say it too, and stop
        server.log.error("oauthapp cannot start: %s", error)


def worker_exit(server, worker):  # type: ignore[no-untyped-def]
    """Write the token usage counts the worker still holds (see oauthapp.usage)."""
    from oauthapp.usage.recorder import flush_all

    flush_all()


def on_starting(server):  # type: ignore[no-untyped-def]
    """Give the workers an empty folder for their metrics before the first one starts.

    Each worker writes its counters to files there and GET /metrics adds up every file, so
    the counts of one server start are whole across workers and worker restarts.
    """
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for stale in glob.glob(os.path.join(folder, "*.db")):  # a previous run's counts
            os.remove(stale)
    else:
        folder = tempfile.mkdtemp(prefix="oauthapp-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        server.oauthapp_metrics_folder = folder  # ours to remove at exit
    server.log.info("Metrics of the workers in %s", folder)


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    """Forget a dead worker's live gauges (its counters keep counting in the totals)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def on_exit(server):  # type: ignore[no-untyped-def]
    folder = getattr(server, "oauthapp_metrics_folder", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
