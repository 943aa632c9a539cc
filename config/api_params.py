"""Query-parameter hygiene shared by every API view: strict parsing, 400s that name the parameter and the
accepted values (in the client's language), a hard page-size cap and links that never embed the request's Host.

Every bad input is a 400 here, never a 500: numbers are bounded before they reach SQL (a 2**63 ``limit``
used to overflow PostgreSQL's bigint), lists are bounded in length, and messages go through gettext so an
English client reads English (``LanguageFromRequestMixin``).
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

MAX_OFFSET = 10**9
MAX_LIST_ITEMS = 200
_INTEGER = re.compile(r"-?[0-9]{1,30}")
SHOWN_ACCEPTED = 60  # a 400 lists at most this many accepted values, then says how many more


class LanguageFromRequestMixin:
    """Answer in the client's language (Accept-Language or the language cookie), French by default.

    The API is outside i18n_patterns, and LocaleMiddleware forces the default language on every
    unprefixed path when prefix_default_language is off, so the API picks the language itself.
    """

    def initial(self, request, *args, **kwargs):
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()
        super().initial(request, *args, **kwargs)


def param_error(name: str, value: str, accepted=None, *, hint: str = "") -> ValidationError:
    """A 400 body ``{name: [message]}`` naming the bad value and what the parameter accepts."""
    message = _("Valeur « %(value)s » refusée pour le paramètre %(name)s.") % {"value": value[:80], "name": name}
    if accepted is not None:
        accepted = [str(a) for a in accepted]
        shown = ", ".join(accepted[:SHOWN_ACCEPTED])
        if len(accepted) > SHOWN_ACCEPTED:
            shown += " " + _("(et %(n)d autres)") % {"n": len(accepted) - SHOWN_ACCEPTED}
        message += " " + _("Valeurs acceptées : %(accepted)s.") % {"accepted": shown or "-"}
    if hint:
        message += " " + hint
    return ValidationError({name: [message]})


def int_param(params, name: str, default: int | None, *, minimum: int = 0, maximum: int) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    text = raw.strip()
    value = int(text) if _INTEGER.fullmatch(text) else None  # ASCII digits only: int("²") would raise
    if value is None or not minimum <= value <= maximum:
        raise param_error(name, raw, hint=_("Un entier de %(min)d à %(max)d est attendu.") % {
            "min": minimum, "max": maximum})
    return value


def list_param(params, name: str) -> list[str]:
    """``?x=a,b&x=c`` -> [a, b, c] (order kept, duplicates dropped); bounded in length."""
    items: list[str] = []
    for raw in params.getlist(name):
        items += [part.strip() for part in raw.split(",") if part.strip()]
    items = list(dict.fromkeys(items))
    if len(items) > MAX_LIST_ITEMS:
        raise param_error(name, ",".join(items)[:80], hint=_("Au plus %(n)d valeurs.") % {"n": MAX_LIST_ITEMS})
    return items


def choice_param(params, name: str, choices, default=None):
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if raw not in choices:
        raise param_error(name, raw, choices)
    return raw


def public_link(path: str, query: dict) -> str:
    """A link to ``path`` with ``query``: relative, or under ATLAS_PUBLIC_BASE_URL when configured; never
    built from the request's Host (a cached body would serve a forged Host to everyone)."""
    base = settings.ATLAS_PUBLIC_BASE_URL.rstrip("/")
    return f"{base}{path}?{urlencode(query, doseq=True)}" if query else f"{base}{path}"


class CappedPagination(LimitOffsetPagination):
    """limit/offset pagination with a hard cap on the page size, bounded offsets and Host-free links."""

    default_limit = 100
    max_limit = 1000
    FIELD_HELP = {
        "count": "Number of items matching the query (all pages).",
        "next": "Link to the next page (relative, or under the configured public base URL); null on the last.",
        "previous": "Link to the previous page; null on the first.",
        "results": "The items of this page.",
    }

    def get_limit(self, request):
        return int_param(request.query_params, self.limit_query_param, self.default_limit, minimum=1,
                         maximum=self.max_limit)

    def get_offset(self, request):
        return int_param(request.query_params, self.offset_query_param, 0, maximum=MAX_OFFSET)

    def _link(self, offset: int | None) -> str | None:
        if offset is None:
            return None
        query = {k: v for k, v in self.request.query_params.lists() if k not in ("limit", "offset")}
        query["limit"] = self.limit
        if offset:
            query["offset"] = offset
        return public_link(self.request.path, query)

    def get_next_link(self):
        if self.offset + self.limit >= self.count:
            return None
        return self._link(self.offset + self.limit)

    def get_previous_link(self):
        if self.offset <= 0:
            return None
        return self._link(max(self.offset - self.limit, 0))

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        for name, text in self.FIELD_HELP.items():
            paginated["properties"][name]["description"] = text
        for name in ("next", "previous"):
            paginated["properties"][name].pop("format", None)  # relative links are not absolute URIs
            paginated["properties"][name]["example"] = "/api/v1/values/?limit=100&offset=100"
        return paginated

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == "limit":
                parameter["schema"].update({"minimum": 1, "maximum": self.max_limit, "default": self.default_limit})
                parameter["description"] = f"Page size, 1 to {self.max_limit} (default {self.default_limit})."
            else:
                parameter["schema"].update({"minimum": 0, "maximum": MAX_OFFSET, "default": 0})
                parameter["description"] = "Index of the first item of the page (default 0)."
        return parameters
