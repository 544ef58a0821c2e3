"""The Site settings page: registration mode, who is approved at once, access requests, the site's name, the banner."""

from flask import flash, redirect, request
from flask_admin import BaseView, expose
from flask_login import current_user

from ..exceptions import Conflict, DomainError, InvalidInput
from ..extensions import db
from ..services import settings as preferences
from ..services import site_settings
from ..templating import on_clock
from .base import AdminAccessMixin


class SiteSettingsView(AdminAccessMixin, BaseView):
    """Every site setting on one form: where each value comes from, and a way back to the environment's."""

    @expose("/", methods=("GET",))
    def index(self):
        """The settings as stored now (past this process's cache), ready to edit."""
        return self._page(site_settings.fresh())

    @expose("/", methods=("POST",))
    def save(self):
        """Check every value; store and audit those that changed; nothing is stored when one is wrong."""
        zone = preferences.time_zone(current_user)
        try:
            values = site_settings.parse_form(request.form, zone)
            changes = site_settings.update(values, current_user._get_current_object(), request.form.get("fingerprint"))
        except InvalidInput as error:
            db.session.rollback()
            return self._page(site_settings.fresh(), submitted=request.form, errors=error.errors, status=error.status)
        except Conflict as error:
            flash(error.message, "error")
            return self._page(site_settings.fresh(), status=error.status)
        labels = [site_settings.BY_KEY[key].label for key in changes]
        flash(f"Saved: {', '.join(labels)}." if labels else "Nothing changed.", "success" if labels else "info")
        return redirect(self.get_url(".index"))

    @expose("/reset/<any(" + ", ".join(site_settings.BY_KEY) + "):key>", methods=("POST",))
    def reset(self, key):
        """Forget the stored value: the environment's (or the default) applies again."""
        try:
            after = site_settings.reset(key, current_user._get_current_object())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(f"{site_settings.BY_KEY[key].label} now uses the {after.source(key)} value.", "success")
        return redirect(self.get_url(".index"))

    def _page(self, site, submitted=None, errors=None, status=200):
        zone = preferences.time_zone(current_user)
        body = self.render(
            "admin/site_settings.html",
            site=site,
            rows=site_settings.stored_rows(),
            sections=_sections(),
            shown=_shown_values(site, submitted, zone),
            errors=errors or {},
            time_zone=zone,
            read_only=not self.can_change(),
        )
        return body, status

    def can_change(self):
        return current_user.is_admin


def _sections():
    """The settings grouped as the form shows them, in declaration order."""
    sections = {}
    for setting in site_settings.SETTINGS:
        sections.setdefault(setting.section, []).append(setting)
    return sections


def _shown_values(site, submitted, zone):
    """What each field shows: what was just typed (after an error), else the value in force, as form text."""
    shown = {}
    for setting in site_settings.SETTINGS:
        if submitted is not None:
            if setting.kind == "flag":
                shown[setting.key] = submitted.get(setting.key) in ("1", "on", "true", "yes")
            else:
                shown[setting.key] = submitted.get(setting.key, "")
            continue
        value = getattr(site, setting.key)
        if setting.kind == "domains":
            value = "\n".join(value)
        elif setting.kind == "moment":
            value = on_clock(value, zone).strftime("%Y-%m-%dT%H:%M") if value else ""
        shown[setting.key] = value
    return shown


SITE = "Site"


def register(admin):
    """Add the site administration pages to the back office."""
    from .invitations import InvitationView

    admin.add_view(SiteSettingsView(name="Site settings", category=SITE, endpoint="site_settings", url="/admin/site"))
    admin.add_view(
        InvitationView(name="Invitations", category=SITE, endpoint="admin_invitation", url="/admin/invitations")
    )
