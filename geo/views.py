from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from config.csp import csp_override

OVERSEAS_DEPARTMENTS = ["971", "972", "973", "974", "976"]


def _map_strings() -> dict:
    """Every sentence the map script shows, translated here so the script holds no UI text."""
    return {
        "france": _("France entière : départements"),
        "communesOf": _("Communes : %(name)s"),
        "densityTitle": _("Densité de population (hab./km²)"),
        "density": _("Densité"),
        "population": _("Population"),
        "perKm2": _("hab./km²"),
        "noData": _("Pas de donnée"),
        "loading": _("Chargement…"),
        "loadError": _("La carte n'a pas pu être chargée."),
        "back": _("← Retour à la France entière"),
        "noResult": _("Aucun résultat"),
        "mapOf": _("Carte choroplèthe de la densité de population : %(title)s"),
    }


# plotly.js sets style *attributes* from script in dozens of places (`.attr("style", ...)`: hover labels,
# colour bars, images), which style-src 'self' refuses; nothing else than attributes is relaxed (no <style>
# element, no script), and only on the page that draws plotly.
@csp_override(style_src_attr="'unsafe-inline'")
def home(request):
    config = {
        "geojsonUrl": reverse("api-geojson", args=["__level__"]),
        "areasUrl": reverse("api-areas"),
        "levelsUrl": reverse("api-levels"),
        "areaUrl": reverse("api-area-detail", args=["__level__", "__code__"]),
        "overseas": OVERSEAS_DEPARTMENTS,
        "strings": _map_strings(),
    }
    return render(request, "home.html", {"map_config": config})
