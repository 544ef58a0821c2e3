"""The frame of a back-office list page built once and kept: its style sheets and scripts, its header row, its pager.

templates/admin/hyperdesk/list.html is one flat template; the pieces here are the ones that are the same on
every page of a view (the links to Flask-Admin's static files) or cheaper as a few joined strings than as
template loops (the header row, the simple pager). Each writes the markup Flask-Admin's templates write.
"""

from flask import current_app, request
from flask_admin.babel import gettext
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

# How many pieces of frame an app keeps (a few per theme, URL root and kind; all dropped when full).
FRAMES_KEPT = 64
# How many list URLs (sort, page size, pager links) an app keeps, and the longest search kept with one.
LIST_URLS_KEPT = 1024
LONGEST_KEPT_SEARCH = 200
# Where a request's nonce attribute goes in a kept piece of frame.
NONCE = "\x00nonce\x00"

SWATCHES = {"light": "default", "dark": "slate"}

# Flask-Admin's master.html: the scripts every page loads, (file, version).
TAIL_SCRIPTS = (
    ("vendor/jquery.min.js", "3.5.1"),
    ("bootstrap/bootstrap4/js/popper.min.js", None),
    ("bootstrap/bootstrap4/js/bootstrap.min.js", "4.6.2"),
    ("vendor/moment.min.js", "2.9.4"),
    ("vendor/bootstrap4/util.js", "4.3.1"),
    ("vendor/bootstrap4/dropdown.js", "4.3.1"),
    ("vendor/select2/select2.min.js", "4.2.1"),
    ("vendor/multi-level-dropdowns-bootstrap/bootstrap4-dropdown-ml-hack.js", None),
    ("admin/js/helpers.js", "1.0.0"),
)
# Flask-Admin's lib.form_css(), without maps or inline editing (such a view gets Flask-Admin's own list).
FORM_CSS = (
    ("vendor/select2/select2.css", "4.2.1"),
    ("vendor/select2/select2-bootstrap4.css", "1.4.6"),
    ("vendor/bootstrap-daterangepicker/daterangepicker-bs4.css", "1.3.22"),
)
# lib.form_js() and the list's own scripts, after the filters' data.
FORM_JS = (
    ("vendor/bootstrap-daterangepicker/daterangepicker.js", "1.3.22"),
    ("admin/js/form.js", "1.0.1"),
    ("admin/js/bs4_modal.js", "1.0.0"),
    ("admin/js/bs4_filters.js", "1.0.0"),
)


def _tojson(value):
    """What the templates' ``tojson`` filter writes (the app's JSON, made safe inside HTML)."""
    policies = current_app.jinja_env.policies
    return htmlsafe_json_dumps(value, dumps=policies["json.dumps_function"], **policies["json.dumps_kwargs"])


class ListPageMixin:
    """What the flat list template asks its view for."""

    def _kept_frame(self, kind, build):
        # The pieces depend on the URL root (static URLs) and what `kind` names, nothing of the user or the rows.
        frames = current_app.extensions.setdefault("admin_list_frames", {})
        key = (request.script_root, self.admin.endpoint, kind)
        html = frames.get(key)
        if html is None:
            if len(frames) >= FRAMES_KEPT:
                frames.clear()
            html = frames[key] = build()
        return html

    def _get_list_url(self, view_args):
        # A list page links to itself some dozen times (sorts, page sizes, pager, clear search), each a url_for;
        # the URL depends only on the arguments, the view and the URL root, and most pages repeat the same ones.
        try:
            key = (
                request.script_root,
                self.endpoint,
                view_args.page,
                view_args.page_size,
                view_args.sort,
                view_args.sort_desc,
                view_args.search,
                tuple(tuple(f) for f in view_args.filters or ()),
                tuple(view_args.extra_args.items()),
            )
            hash(key)
        except TypeError:  # a value that cannot be a key (a list): built each time
            return super()._get_list_url(view_args)
        urls = current_app.extensions.setdefault("admin_list_urls", {})
        url = urls.get(key)
        if url is None:
            url = super()._get_list_url(view_args)
            if len(view_args.search or "") <= LONGEST_KEPT_SEARCH:
                if len(urls) >= LIST_URLS_KEPT:
                    urls.clear()
                urls[key] = url
        return url

    def _get_filter_groups(self):
        # Flask-Admin copies every filter of every group on each list page; the groups (and their options) are
        # fixed when its filter cache is refreshed, so the copy is kept until the groups object is replaced.
        groups = self._filter_groups
        kept = self.__dict__.get("_kept_filter_groups")
        if kept is None or kept[0] is not groups:
            kept = self._kept_filter_groups = (groups, super()._get_filter_groups(), {})
        return kept[1]

    def filter_groups_json(self, filter_groups):
        """``filter_groups|tojson`` for the list's filter script, encoded once for the kept groups."""
        kept = self.__dict__.get("_kept_filter_groups")
        if kept is None or kept[1] is not filter_groups:
            return _tojson(filter_groups)
        if "json" not in kept[2]:
            kept[2]["json"] = _tojson(filter_groups)
        return kept[2]["json"]

    def _static(self, filename, version):
        endpoint = f"{self.admin.endpoint}.static"
        if version is None:
            return escape(self.get_url(endpoint, filename=filename))
        return escape(self.get_url(endpoint, filename=filename, v=version))

    def page_head_css(self, color_theme):
        """hyperdesk/base.html's style sheets: the swatch of the user's theme (both for "system"), admin and icons."""

        def build():
            swatch = {
                name: self._static(f"bootstrap/bootstrap4/swatch/{folder}/bootstrap.min.css", "4.6.2")
                for name, folder in SWATCHES.items()
            }
            if color_theme in swatch:
                links = [f'<link href="{swatch[color_theme]}" rel="stylesheet">']
            else:
                links = [
                    f'<link href="{swatch[name]}" rel="stylesheet" media="(prefers-color-scheme: {name})">'
                    for name in ("light", "dark")
                ]
            links += [
                f'<link href="{self._static("admin/css/bootstrap4/admin.css", "1.1.1")}" rel="stylesheet">',
                f'<link href="{self._static("bootstrap/bootstrap4/css/font-awesome.min.css", "4.7.0")}" rel="stylesheet">',
                f'<link href="{escape(self.get_url("static", filename="css/admin.css"))}" rel="stylesheet">',
                f'<link rel="icon" href="{escape(self.get_url("static", filename="img/favicon.svg"))}"'
                ' type="image/svg+xml">',
            ]
            return "\n".join(links)

        return Markup(self._kept_frame(("head", color_theme), build))

    def page_form_css(self):
        """lib.form_css(): the style sheets of the filters' inputs."""
        return Markup(
            self._kept_frame(
                "form_css",
                lambda: "\n".join(f'<link href="{self._static(name, v)}" rel="stylesheet">' for name, v in FORM_CSS),
            )
        )

    def page_tail_js(self, nonce_attribute):
        """master.html's scripts, the view's extra scripts and ours (static/js/admin.js)."""

        def build():
            scripts = [
                f'<script {NONCE} src="{self._static(name, v)}" type="text/javascript"></script>'
                for name, v in TAIL_SCRIPTS
            ]
            scripts.append(f'<script {NONCE} src="{escape(self.get_url("static", filename="js/admin.js"))}"></script>')
            return "\n".join(scripts)

        extra = "".join(
            f'<script {escape(nonce_attribute)} src="{escape(url)}" type="text/javascript"></script>'
            for url in self.extra_js or ()
        )
        kept = self._kept_frame("tail_js", build).replace(NONCE, str(escape(nonce_attribute)))
        if extra:
            # master.html writes the view's extra scripts before ours.
            head, _, ours = kept.rpartition("\n")
            kept = f"{head}\n{extra}\n{ours}"
        return Markup(kept)

    def page_form_js(self, nonce_attribute):
        """lib.form_js() and the list's modal and filter scripts."""

        def build():
            return "\n".join(f'<script {NONCE} src="{self._static(name, v)}"></script>' for name, v in FORM_JS)

        return Markup(self._kept_frame("form_js", build).replace(NONCE, str(escape(nonce_attribute))))

    def list_header_html(self, list_columns, actions, sort_column, sort_desc, sort_url):
        """The header row's cells as list.html's list_header block writes them: select-all, actions, sort links."""
        cells = []
        if actions:
            title = escape(gettext("Select all records"))
            cells.append(
                f'<th class="list-checkbox-column"><input type="checkbox" name="rowtoggle" class="action-rowtoggle"'
                f' title="{title}" /></th>'
            )
        if self.column_display_actions:
            cells.append('<th class="">&nbsp;</th>')
        descriptions = self.column_descriptions or {}
        for column, (name, label) in enumerate(list_columns):
            label_html = escape(label)
            inner = label_html
            if self.is_sortable(name):
                title = escape(gettext("Sort by %(name)s", name=label))
                if sort_column == column:
                    chevron = "down" if sort_desc else "up"
                    icon = f'<span class="fa fa-chevron-{chevron} glyphicon glyphicon-chevron-{chevron}"></span>'
                    inner = f'<a href="{escape(sort_url(column, True))}" title="{title}">{label_html} {icon}</a>'
                else:
                    inner = f'<a href="{escape(sort_url(column))}" title="{title}">{label_html}</a>'
            if descriptions.get(name):
                inner += (
                    f' <a class="fa fa-question-circle glyphicon glyphicon-question-sign"'
                    f' title="{escape(descriptions[name])}" href="javascript:void(0)" data-role="tooltip"></a>'
                )
            css = escape(name.replace(".", "-"))
            cells.append(f'<th class="column-header col-{css}">{inner}</th>')
        return Markup("".join(cells))

    def simple_pager_html(self, page, have_next, pager_url):
        """lib.simple_pager: previous and next, each disabled where there is none."""
        back = f'<li class="page-item"><a class="page-link" href="{escape(pager_url(page - 1))}">&lt;</a></li>'
        if not page > 0:
            back = f'<li class="page-item disabled"><a class="page-link" href="{escape(pager_url(0))}">&lt;</a></li>'
        ahead = f'<li class="page-item"><a class="page-link" href="{escape(pager_url(page + 1))}">&gt;</a></li>'
        if not have_next:
            ahead = (
                f'<li class="page-item disabled"><a class="page-link" href="{escape(pager_url(page))}">&gt;</a></li>'
            )
        return Markup(f'<ul class="pagination">{back}{ahead}</ul>')
