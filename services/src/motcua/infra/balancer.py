"""nginx, from the system's packages, as the stack's load balancer in front of a service's replicas.

One ``server`` per public port (the gateway's and each service's usual port), proxying to an upstream of
that app's replicas: least connections, keep-alive to the replicas, a replica that refuses connections
skipped for a few seconds (``max_fails``/``fail_timeout``), a request that could not reach one replica
sent to the next (``proxy_next_upstream error timeout``: nginx never retries a POST that reached a
replica; a request no replica answered is a 503 problem with ``Retry-After``, not a bare 502), no buffering
and long reads for the live streams (SSE), and the client's address passed in
``X-Forwarded-For`` (set, not appended: a client cannot forge it), which the replicas trust from loopback
only. Everything nginx writes (pid, logs, temporary files) stays under the stack's directory.
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from motcua_shared.chassis.errors import PROBLEM_BASE

_UNAVAILABLE = json.dumps(
    {
        "type": PROBLEM_BASE + "unavailable",
        "title": "Tạm thời không khả dụng",
        "status": 503,
        "detail": "Máy chủ vừa khởi động lại hoặc đang bận; vui lòng thử lại sau giây lát.",
    },
    ensure_ascii=False,
)


def nginx_binary() -> str:
    """The nginx executable (Debian's package ``nginx``); a clear error when it is missing."""
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if found is None:
        raise RuntimeError("replicas need nginx as their load balancer: apt-get install nginx")
    return found


def render_conf(prefix: Path, routes: Mapping[str, tuple[int, Sequence[int]]], *, edge: str) -> str:
    """nginx.conf for ``routes``: app name → (public port, replica ports); ``edge`` is the app clients
    reach (the gateway), whose ``X-Forwarded-For`` nginx sets; the others are reached only through the
    gateway, whose header nginx extends."""
    lines = [
        "# Written by `motcua stack up --replicas N`; rewritten on every start.",
        "worker_processes 1;",
        f"pid {prefix / 'nginx.pid'};",
        f"error_log {prefix / 'error.log'} warn;",
        "daemon off;",
    ]
    if os.geteuid() == 0:
        # As root nginx would hand its workers to "nobody", who cannot reach the stack's directory.
        lines.append(f"user {getpass.getuser()};")
    lines += [
        "events { worker_connections 4096; }",
        "http {",
        f"  access_log {prefix / 'access.log'};",
        f"  client_body_temp_path {prefix / 'body'};",
        f"  proxy_temp_path {prefix / 'proxy'};",
        f"  fastcgi_temp_path {prefix / 'fastcgi'};",
        f"  uwsgi_temp_path {prefix / 'uwsgi'};",
        f"  scgi_temp_path {prefix / 'scgi'};",
        "  client_max_body_size 64m;",
        "  proxy_http_version 1.1;",
        "  proxy_buffering off;",
        "  proxy_request_buffering off;",
        "  proxy_read_timeout 1h;",
        "  proxy_connect_timeout 2s;",
        "  proxy_next_upstream error timeout;",
        "  proxy_next_upstream_tries 3;",
    ]
    for name, (port, replicas) in routes.items():
        lines.append(f"  upstream {name} {{")
        lines.append("    least_conn;")
        lines += [f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=3s;" for p in replicas]
        lines.append("    keepalive 64;")
        lines.append("  }")
        forwarded = "$remote_addr" if name == edge else "$proxy_add_x_forwarded_for"
        lines.append(f"  server {{ listen 127.0.0.1:{port}; location / {{")
        # All four here: a location that sets one header inherits none from http {}.
        lines.append('    proxy_set_header Connection "";')
        lines.append("    proxy_set_header Host $http_host;")
        lines.append(f"    proxy_set_header X-Forwarded-For {forwarded};")
        lines.append("    proxy_set_header X-Forwarded-Proto $scheme;")
        lines.append(f"    proxy_pass http://{name};")
        lines.append("  }")
        # No replica reached, or one died with the request: a problem the client retries (with its
        # Idempotency-Key) rather than nginx's bare 502.
        lines.append("  error_page 502 504 =503 @unavailable;")
        lines.append("  location @unavailable {")
        lines.append("    default_type application/problem+json;")
        lines.append("    add_header Retry-After 1 always;")
        lines.append(f"    return 503 '{_UNAVAILABLE}';")
        lines.append("  } }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_conf(prefix: Path, routes: Mapping[str, tuple[int, Sequence[int]]], *, edge: str) -> Path:
    """Write the configuration (and the directories it names) under ``prefix``; its path."""
    prefix.mkdir(parents=True, exist_ok=True)
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / sub).mkdir(exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(render_conf(prefix, routes, edge=edge))
    return conf


def command(conf: Path) -> list[str]:
    """The command line that runs nginx in the foreground on ``conf``."""
    return [nginx_binary(), "-c", str(conf), "-p", str(conf.parent), "-e", str(conf.parent / "error.log")]
