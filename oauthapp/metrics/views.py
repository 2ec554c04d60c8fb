"""GET /metrics: Prometheus text format, for the networks in `metrics.allow_from` only."""

from __future__ import annotations

import ipaddress

from flask import Blueprint, Response, request

from oauthapp import get_settings
from oauthapp.metrics import enabled
from oauthapp.settings import IPNetwork

blueprint = Blueprint("metrics", __name__)


@blueprint.get("/metrics")
def metrics() -> Response:
    """Every worker's counters and histograms, and the outbox and keys as they are now."""
    if not enabled():
        return _plain("Metrics are turned off (metrics.enabled).\n", 404)
    if not allowed(request.remote_addr, get_settings().metrics.allow_from):
        return _plain("This address may not read the metrics (metrics.allow_from).\n", 403)
    from oauthapp.metrics.exposition import render

    body, content_type = render(request.headers.get("Accept"))
    response = Response(body, content_type=content_type)
    response.headers["Cache-Control"] = "no-store"
    return response


def allowed(address: str | None, networks: tuple[IPNetwork, ...]) -> bool:
    """Whether ADDRESS (the client's, or the trusted proxy's client's) is in one of NETWORKS."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False  # a Unix socket, or no address at all
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


def _plain(text: str, status: int) -> Response:
    response = Response(text, status, content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response
