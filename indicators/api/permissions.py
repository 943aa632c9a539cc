"""Who may write through the API. Reads stay public."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class StaffWithModelPermission(BasePermission):
    """Writes need a staff account holding ``required_permission`` (a superuser holds every permission).

    Staff status alone is not enough (any staff member would publish releases), nor is the permission
    alone (a non-staff account holding it by mistake stays a reader).
    """

    required_permission = ""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff
                    and user.has_perm(self.required_permission))


class CanStartRuns(StaffWithModelPermission):
    """Starting a run publishes a release: staff with ``indicators.add_run``."""

    required_permission = "indicators.add_run"
    message = "starting a run needs a staff account with the permission indicators.add_run"
