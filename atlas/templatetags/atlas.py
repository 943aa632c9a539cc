"""Small filters of the atlas templates: dictionary lookup and locale number formatting."""

from django import template

from atlas.pages import fmt

register = template.Library()


@register.filter
def get(mapping, key):
    return mapping.get(key, "") if mapping else ""


@register.filter
def num(value, digits=1):
    """A number in the page's locale ("1 234,5" in French); "–" when it is not known."""
    return fmt(value, int(digits))
