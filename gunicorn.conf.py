"""gunicorn settings for a hosted Tutti: `gunicorn -c gunicorn.conf.py 'app:create_app()'`."""

import multiprocessing
import os

bind = os.environ.get("TUTTI_BIND", "127.0.0.1:8000")
# Requests are short (the work happens in RQ jobs): a few sync workers per core serve a school's staff.
workers = int(os.environ.get("TUTTI_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("TUTTI_WEB_THREADS", "2"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
# A recycled worker takes seconds to boot again while the others carry its share: at 2,000 requests, each
# worker restarted about once a minute under the load benchmark (130 requests a second), in the measure.
max_requests = 20000
max_requests_jitter = 2000
# With TUTTI_LOG_FORMAT=json the app logs each request as a JSON line (request id, structure, status, duration);
# gunicorn's own access line would only repeat it in another format.
accesslog = None if os.environ.get("TUTTI_LOG_FORMAT") == "json" else "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("TUTTI_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Each worker opens its own database pool after the fork.
preload_app = False
