"""Content-Security-Policy on every response: the browser may load nothing from any origin but ours.

The policy is also the proof of the "no third-party host" promise: a forgotten CDN link, a font, a
tracking pixel or an inline script is refused by the browser (and fails tests/browser). A view that
truly needs another policy sets the header itself (``csp_override``); the middleware never replaces it.
"""

from functools import wraps

HEADER = "Content-Security-Policy"
POLICY = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
    "font-src": "'self'", "connect-src": "'self'", "frame-ancestors": "'none'", "base-uri": "'self'",
    "form-action": "'self'", "object-src": "'none'",
}


def policy_header(**overrides: str) -> str:
    """The policy as a header value; ``script_src="'self' 'unsafe-eval'"`` relaxes one directive."""
    merged = POLICY | {key.replace("_", "-"): value for key, value in overrides.items()}
    return "; ".join(f"{directive} {sources}" for directive, sources in merged.items())


DEFAULT_HEADER = policy_header()


def csp_override(**overrides: str):
    """Decorate a view whose page needs a relaxed directive; say why where it is used."""
    header = policy_header(**overrides)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response[HEADER] = header
            return response
        return wrapped
    return decorator


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = DEFAULT_HEADER
        return response
