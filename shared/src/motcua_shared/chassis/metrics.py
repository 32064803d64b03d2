"""Prometheus metrics, defined once; every series carries the service name."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "motcua_http_requests_total", "HTTP requests handled", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "motcua_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
OUTBOX_PENDING = Gauge("motcua_outbox_pending", "Committed events not yet published", ["service"])
OUTBOX_LAG = Gauge(
    "motcua_outbox_lag_seconds", "Age of the oldest committed event not yet published", ["service"]
)
EVENTS_PUBLISHED = Counter("motcua_events_published_total", "Events published by the relay", ["service"])
EVENTS_CONSUMED = Counter(
    "motcua_events_consumed_total",
    "Events taken by a consumer, by outcome (handled, duplicate, ignored, dead_lettered)",
    ["service", "group", "outcome"],
)
EVENT_HANDLE_SECONDS = Histogram(
    "motcua_event_handle_seconds",
    "Time to handle one event (inbox claim, effect, commit)",
    ["service", "group"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5),
)
CONSUMER_LAG = Gauge("motcua_consumer_lag", "Records not yet consumed by this member", ["service", "group"])
DLQ_SIZE = Gauge("motcua_dlq_size", "Dead letters recorded and not yet replayed", ["service"])
