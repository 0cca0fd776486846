"""gunicorn settings for Kerbside behind nginx (deploy/nginx/): `gunicorn -c deploy/gunicorn.conf.py
'portal.app:create_app()'`. Command-line options override these (the load bench and tests do, for the port).
"""
import multiprocessing
import os

# Loopback only: nginx is the only client. GUNICORN_BIND to change it.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: one request each at a time, nginx buffering slow clients (threads and gthread workers were
# erratic on this kind of machine, see /work/shared/STACK.md). WEB_CONCURRENCY is gunicorn's usual variable.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "sync"
backlog = 2048
# The whole of one request: the streamed export of every public report is the longest (nginx waits as long).
timeout = 120
graceful_timeout = 30
# nginx's X-Forwarded-For/-Proto are read by the app (PROXY_COUNT=1), not by gunicorn.
forwarded_allow_ips = "127.0.0.1"
# Workers are not recycled: memory is watched instead (bench/wrk_load.py --soak prints it per worker).
max_requests = 0
# Request lines are logged by the app itself in production (one JSON line each); errors go to the journal.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
# A worker that died is replaced; its database connections go with it. Nothing is loaded before the fork, so
# no connection is ever shared between workers.
preload_app = False
proc_name = "kerbside-web"
