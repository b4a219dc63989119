"""The one place that reads HTMX request headers and decides fragment or page."""

from __future__ import annotations

import json

from flask import Response, render_template, request


def is_htmx() -> bool:
    """Say whether this request came from htmx, and wants a fragment rather than a page."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def render(page_template: str, fragment_template: str, /, **context) -> str:
    """Render the fragment for htmx requests and the full page otherwise."""
    return render_template(fragment_template if is_htmx() else page_template, **context)


def trigger(response: Response, event: str, detail: object = None) -> Response:
    """Merge an event into the response's HX-Trigger header."""
    events = json.loads(response.headers.get("HX-Trigger", "{}") or "{}")
    events[event] = detail if detail is not None else True
    response.headers["HX-Trigger"] = json.dumps(events)
    return response


def add_vary(response: Response) -> Response:
    """Tell caches that the answer depends on HX-Request."""
    response.vary.add("HX-Request")
    return response
