"""Read-mostly admin for the geography: areas come from import_geography / import_territories."""

from django.contrib import admin

from geo.models import Area, AreaGeometry, CommuneAlias, CommuneMembership, TerritorySet


@admin.register(TerritorySet)
class TerritorySetAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "source_file", "created_at"]
    search_fields = ["code", "name"]


class AreaGeometryInline(admin.TabularInline):
    model = AreaGeometry
    fields = ["detail"]
    readonly_fields = ["detail"]
    extra = 0
    can_delete = False
    show_change_link = False


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "population", "area_km2", "is_overseas", "has_geometry"]
    list_filter = ["level", "is_overseas", "has_geometry", "territory_set"]
    search_fields = ["code", "name", "search_name"]
    list_select_related = ["parent"]
    # 35k communes: a select box of every area as parent would be unusable.
    raw_id_fields = ["parent"]
    readonly_fields = ["search_name", "cog_vintage"]
    inlines = [AreaGeometryInline]


@admin.register(CommuneAlias)
class CommuneAliasAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "name", "commune"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "commune__code"]
    raw_id_fields = ["commune"]


@admin.register(CommuneMembership)
class CommuneMembershipAdmin(admin.ModelAdmin):
    list_display = ["commune", "level", "area"]
    list_filter = ["level"]
    search_fields = ["commune__code", "area__code"]
    raw_id_fields = ["commune", "area"]
    list_select_related = ["commune", "area"]
