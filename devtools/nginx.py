"""nginx from the system packages in front of a gunicorn on loopback, with the production locations of
``deploy/nginx/kerbside-locations.conf``: used by tests/deploy and the load bench (bench/wrk_load.py).

The configuration is written to a temporary directory (paths filled in, a plain-HTTP server on a free
loopback port) and nginx runs as a non-daemon child process, stopped when the ``running`` block ends.
Installed with apt-get when missing and we are root; otherwise ``NginxMissing`` says the command.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sysconfig
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .servers import stop, wait_listening

ROOT = Path(__file__).resolve().parent.parent
LOCATIONS = ROOT / "deploy" / "nginx" / "kerbside-locations.conf"
NGINX = "/usr/sbin/nginx"
INSTALL_CMD = "sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y nginx-light"
START_TIMEOUT = 10.0
#: Access log: the address nginx passed the request to ("-" when it answered itself) and the status.
LOG_FORMAT = "$request_method $uri $status upstream=$upstream_addr"


class NginxMissing(RuntimeError):
    """nginx is not installed and could not be (not root, or apt-get failed)."""


def ensure_installed() -> str:
    """The nginx binary, installing the system package when it is missing and we may."""
    if Path(NGINX).exists():
        return NGINX
    if os.geteuid() != 0:
        raise NginxMissing(f"nginx is not installed; install it with: {INSTALL_CMD}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "-o", "DPkg::Lock::Timeout=300", "update", "-qq"],
                ["apt-get", "-o", "DPkg::Lock::Timeout=300", "install", "-y", "-qq", "nginx-light"]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if done.returncode:
            raise NginxMissing(f"`{' '.join(cmd)}` failed: {done.stderr.strip()[-500:]}")
    if not Path(NGINX).exists():
        raise NginxMissing("apt-get installed nginx-light but /usr/sbin/nginx is missing")
    return NGINX


def render_locations(photo_dir: Path, app_root: Path = ROOT, site_packages: str | None = None) -> str:
    """deploy/nginx/kerbside-locations.conf with its @NAMES@ filled in (every one of them, or an error)."""
    text = LOCATIONS.read_text()
    values = {"@APP_ROOT@": str(app_root), "@PHOTO_DIR@": str(Path(photo_dir).resolve()),
              "@SITE_PACKAGES@": site_packages or sysconfig.get_paths()["purelib"]}
    for name, value in values.items():
        if name not in text:
            raise ValueError(f"{LOCATIONS} no longer has {name}")
        text = text.replace(name, value)
    leftover = re.findall(r"@[A-Z_]+@", text)
    if leftover:
        raise ValueError(f"unfilled names in {LOCATIONS}: {leftover}")
    return text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main_conf(workdir: Path, port: int, upstream: str, locations: Path, access_log: bool,
              worker_processes: int | str = 1) -> str:
    """A whole nginx.conf for a loopback test/bench server: temp paths inside ``workdir``."""
    user = "user root root;\n" if os.geteuid() == 0 else ""   # reads the checkout and private temp dirs
    log = (f"log_format kerbside '{LOG_FORMAT}';\n    access_log {workdir}/access.log kerbside;"
           if access_log else "access_log off;")
    return f"""{user}worker_processes {worker_processes};
daemon off;
master_process on;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    {log}
    proxy_cache_path {workdir}/cache levels=1:2 keys_zone=kerbside_pages:10m max_size=256m inactive=10m
                     use_temp_path=off;
    proxy_cache_path {workdir}/tiles levels=1:2 keys_zone=kerbside_tiles:10m max_size=256m inactive=7d
                     use_temp_path=off;
    upstream kerbside_app {{ server {upstream}; }}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        include {locations};
        add_header X-Cache-Status $upstream_cache_status always;   # for the tests and the bench only
    }}
}}
"""


@dataclass
class Nginx:
    base: str
    workdir: Path
    proc: subprocess.Popen

    @property
    def access_log(self) -> Path:
        return self.workdir / "access.log"

    def log_lines(self) -> list[str]:
        return self.access_log.read_text().splitlines() if self.access_log.exists() else []

    def error_log(self) -> str:
        path = self.workdir / "error.log"
        return path.read_text() if path.exists() else ""


@contextmanager
def running(upstream: str, photo_dir: Path, *, access_log: bool = True, worker_processes: int | str = 1):
    """nginx on a free loopback port in front of ``upstream`` (host:port), the production locations included;
    yields an ``Nginx`` (its base URL, logs), stops it (SIGQUIT, graceful) at the end."""
    binary = ensure_installed()
    workdir = Path(tempfile.mkdtemp(prefix="kerbside-nginx-"))
    locations = workdir / "kerbside-locations.conf"
    locations.write_text(render_locations(photo_dir))
    port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(main_conf(workdir, port, upstream, locations, access_log, worker_processes))
    checked = subprocess.run([binary, "-t", "-q", "-p", str(workdir), "-e", str(workdir / "error.log"),
                              "-c", str(conf)], capture_output=True, text=True)
    if checked.returncode:
        raise RuntimeError(f"nginx refused the configuration:\n{checked.stderr}")
    with open(workdir / "stderr.log", "wb") as stderr:
        proc = subprocess.Popen([binary, "-p", str(workdir), "-e", str(workdir / "error.log"), "-c", str(conf)],
                                stdout=subprocess.DEVNULL, stderr=stderr)
    server = Nginx(f"http://127.0.0.1:{port}", workdir, proc)
    try:
        wait_listening(proc, port, "nginx", START_TIMEOUT,
                       lambda: f"{(workdir / 'stderr.log').read_text()}{server.error_log()}")
        yield server
    finally:
        stop(proc, signal.SIGQUIT)             # graceful shutdown
        shutil.rmtree(workdir, ignore_errors=True)
