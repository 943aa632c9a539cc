"""The client's IP address for login throttling (django-axes' AXES_CLIENT_IP_CALLABLE).

Default REMOTE_ADDR. Behind ATLAS_TRUSTED_PROXY_COUNT reverse proxies, the address appended by the
outermost trusted proxy to X-Forwarded-For: the entries left of it are written by the client and could
be forged to dodge the per-IP lockout.
"""

from django.conf import settings


def client_ip(request) -> str | None:
    proxies = settings.ATLAS_TRUSTED_PROXY_COUNT
    if proxies > 0:
        chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(chain) >= proxies:
            return chain[-proxies]
    return request.META.get("REMOTE_ADDR")
