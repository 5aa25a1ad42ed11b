"""/healthz and /metrics: public health for load balancers, metrics for the monitoring host only."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from forum import health, metrics
from forum.extensions import limiter

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    result = health.check()
    response = jsonify(result.as_json())
    response.status_code = 200 if result.ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics", endpoint="metrics")
@limiter.exempt
def metrics_page():
    if not metrics.address_allowed(request.remote_addr, current_app.config.get("METRICS_ALLOWED", "")):
        abort(404)   # not 403: a visitor need not learn that there is something here
    return Response(generate_latest(metrics.registry()), mimetype=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})
