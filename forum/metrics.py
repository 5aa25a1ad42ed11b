"""Prometheus metrics for /metrics: request counts and latency, and the forum's state read at scrape time.

Each app has its own CollectorRegistry (tests build many apps). Counters live in the process: behind
gunicorn each web process counts its own requests (Prometheus sums what it scrapes from each).
Other floors add gauges with add_provider(app, fn): fn() yields prometheus_client metric families.
"""
from __future__ import annotations

import ipaddress
import time
from typing import Callable, Iterable

from flask import Flask, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select

Provider = Callable[[], Iterable[Metric]]
EXTENSION = "forum_metrics"


class _State:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.providers: list[Provider] = [forum_gauges]
        self.requests = Counter("forum_http_requests", "HTTP requests answered, by endpoint and status",
                                ["endpoint", "method", "status"], registry=self.registry)
        self.latency = Histogram("forum_http_request_duration_seconds", "Time to answer a request, by endpoint",
                                 ["endpoint"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.registry.register(_ProviderCollector(self))


class _ProviderCollector:
    def __init__(self, state: _State) -> None:
        self.state = state

    def collect(self) -> Iterable[Metric]:
        for provider in self.state.providers:
            yield from provider()


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = _State()
    app.before_request(_start_timer)
    app.after_request(_count_request)


def add_provider(app: Flask, provider: Provider) -> None:
    app.extensions[EXTENSION].providers.append(provider)


def registry() -> CollectorRegistry:
    return current_app.extensions[EXTENSION].registry


def _start_timer() -> None:
    g._metrics_started = time.perf_counter()


def _count_request(response):
    started = g.pop("_metrics_started", None)
    state = current_app.extensions.get(EXTENSION)
    if state is not None:
        endpoint = request.endpoint or "none"     # unmatched URLs share one label: no label per random path
        state.requests.labels(endpoint, request.method, str(response.status_code)).inc()
        if started is not None:
            state.latency.labels(endpoint).observe(time.perf_counter() - started)
    return response


def address_allowed(address: str | None, allowed: str) -> bool:
    """Is address inside one of the comma-separated addresses or networks (CIDR) in allowed?"""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in (part.strip() for part in allowed.split(",")):
        if not entry:
            continue
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def _gauge(name: str, documentation: str, value: float | None) -> Iterable[Metric]:
    if value is not None:
        family = GaugeMetricFamily(name, documentation)
        family.add_metric([], value)
        yield family


def forum_gauges() -> Iterable[Metric]:
    from forum import backup, health, heartbeat
    from forum.extensions import db
    from forum.models import Post, Thread, User, utcnow

    now = utcnow()
    pending, oldest = health.pending_posts()
    yield from _gauge("forum_posts_pending", "Posts waiting for the classifier", pending)
    yield from _gauge("forum_posts_pending_oldest_age_seconds", "Age of the oldest post waiting for the classifier",
                      (now - oldest).total_seconds() if oldest else 0)
    yield from _gauge("forum_users", "Accounts", db.session.scalar(select(func.count(User.id))))
    yield from _gauge("forum_threads", "Threads", db.session.scalar(select(func.count(Thread.id))))
    yield from _gauge("forum_posts", "Posts", db.session.scalar(select(func.count(Post.id))))
    yield from _gauge("forum_worker_heartbeat_age_seconds", "Seconds since a worker loop last came round "
                      "(absent: no worker ever ran)", heartbeat.age_seconds(now))
    last = backup.last_backup_time()
    yield from _gauge("forum_last_backup_age_seconds", "Seconds since the newest archive in BACKUP_DIR",
                      (now - last).total_seconds() if last else None)
