"""Small filters of the atlas templates: dictionary lookup and locale number formatting."""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info

from atlas.pages import fmt

register = template.Library()


@register.filter
def get(mapping, key):
    return mapping.get(key, "") if mapping else ""


@register.filter
def num(value, digits=1):
    """A number in the page's locale ("1 234,5" in French); "–" when it is not known, including a missing
    template variable (the engine gives "" for ``ref.value`` when ``ref`` is None)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return fmt(None)
    return fmt(value, int(digits))


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """This page in each language: /indicateurs/x/?level=region <-> /en/indicateurs/x/?level=region."""
    request = context.get("request")
    path = request.get_full_path() if request else "/"
    current = get_language()
    # Each language named in itself ("English" on the French page, "Français" on the English one).
    return [{"code": code, "name": get_language_info(code)["name_local"].capitalize(), "current": code == current,
             "url": translate_url(path, code)} for code, _name in settings.LANGUAGES]
