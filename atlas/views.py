"""The atlas pages: home, search, indicator, territory profile, comparison. Each view reads through
atlas.pages (selectors and pure modules) and renders one template folder per page kind."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from atlas import pages
from config.csp import csp_override
from geo.selectors import AreaNotFound
from indicators.selectors import pages as selectors
from indicators.models import Indicator

# plotly.js sets style *attributes* from script (hover labels, legends, mode bar), which style-src 'self'
# refuses; only attributes are relaxed, and only on the pages that draw plotly (ADR 0014). Plotly.toImage
# draws the chart's SVG from a blob: URL onto a canvas to make the PNG export: img-src allows blob: there.
plotly_page = csp_override(style_src_attr="'unsafe-inline'", img_src="'self' data: blob:")


def home(request):
    return render(request, "atlas/home/page.html", pages.home_context())


def search(request):
    return render(request, "atlas/search/page.html", pages.search_context(request.GET.get("q", "")))


@plotly_page
def indicator(request, code: str):
    try:
        indicator = selectors.indicator_get(code)
    except Indicator.DoesNotExist:
        raise Http404(f"no published indicator {code!r}")
    return render(request, "atlas/indicator/page.html", pages.indicator_context(indicator, request.GET))


@plotly_page
def territory(request, level: str, code: str):
    try:
        context = pages.territory_context(level, code)
    except AreaNotFound as exc:
        raise Http404(str(exc))
    return render(request, "atlas/territory/page.html", context)


def territory_csv(request, level: str, code: str):
    """The profile CSV moved to the API (one file for the page and for programs); old links still work."""
    dialect = "&dialect=excel-fr" if request.GET.get("dialect") == "excel-fr" else ""
    return redirect(reverse("area-profile", args=[level, code]) + "?format=csv" + dialect, permanent=True)


def compare(request):
    return render(request, "atlas/compare/page.html", pages.compare_context(request.GET.getlist("a")))
