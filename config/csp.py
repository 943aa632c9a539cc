"""Content-Security-Policy on every response: the browser loads nothing from any origin but ours, runs
no inline script and no eval. It also proves the no-third-party-host promise (docs/adr/0014-csp.md).
A view needing a relaxed directive sets the header itself (``csp_override``), never replaced here."""

from functools import wraps

HEADER = "Content-Security-Policy"
POLICY = {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
          "font-src": "'self'", "connect-src": "'self'", "frame-ancestors": "'none'", "base-uri": "'self'",
          "form-action": "'self'", "object-src": "'none'"}


def policy_header(**overrides: str) -> str:
    """The header value; ``style_src_attr="'unsafe-inline'"`` adds or replaces one directive."""
    merged = POLICY | {key.replace("_", "-"): value for key, value in overrides.items()}
    return "; ".join(f"{directive} {sources}" for directive, sources in merged.items())


def csp_override(**overrides: str):
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
        self.get_response, self.header = get_response, policy_header()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(HEADER, self.header)
        return response
