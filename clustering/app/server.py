"""The app: a Dash application over the published warehouse, and how it is served.

Dash (on Flask) because the reports already draw with plotly and Dash serves
plotly.js and its own scripts from the installed package, so nothing is
fetched from the internet. Served by waitress (a maintained pure-Python WSGI
server with a thread pool) rather than Flask's development server.

Safety:
- binds to 127.0.0.1 unless told otherwise; any other address needs a
  password (HTTP basic auth, from the environment variable APP_PASSWORD_ENV)
  and is refused without one;
- requests larger than MAX_REQUEST_BYTES are refused before any callback;
- every filter is checked against fixed lists and bounds and reaches SQL as a
  bound parameter (clustering.app.audience, clustering.app.queries);
- the warehouse is only ever attached read-only; saved audiences live in
  their own file.
"""

from __future__ import annotations

import hmac
import io
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from dash import Dash, Input, Output, dcc, html, set_props
from flask import Response, abort, request, send_from_directory

from clustering.app import queries
from clustering.app.audience import check_filter
from clustering.app.components import navigation, notice, status_line
from clustering.app.data import PublishedWarehouse, Snapshot
from clustering.app.pages import (
    builder,
    customer,
    dictionary,
    maintenance,
    movements,
    overview,
    segment,
)
from clustering.app.saved import AudienceStore
from clustering.errors import AppError, AudienceError, ClusteringError

LOG = logging.getLogger("clustering.app")

APP_PASSWORD_ENV = "OLIST_APP_PASSWORD"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_PORT = 8050
# Far above any filter set or saved name, far below an abusive upload.
MAX_REQUEST_BYTES = 256 * 1024
REPORTS = ("segments.html", "stability.html")


@dataclass(frozen=True)
class AppConfig:
    warehouse: Path
    audiences_path: Path
    reports_dir: Path
    password: str | None = None


def _unauthorized() -> Response:
    return Response(
        "This app needs the password set in " + APP_PASSWORD_ENV + ".",
        401,
        {"WWW-Authenticate": 'Basic realm="Olist segments"'},
    )


def _table_file(s: Snapshot, query: tuple[str, list[object]], kind: str, name: str) -> Response:
    """The rows of `query` as a CSV or Parquet attachment; a failure is logged
    in full and answered plainly."""
    try:
        rows = s.arrow(*query)
        buffer = io.BytesIO()
        if kind == "csv":
            pa_csv.write_csv(rows, buffer)
            mimetype = "text/csv"
        else:
            pq.write_table(rows, buffer)
            mimetype = "application/vnd.apache.parquet"
    except Exception as error:
        LOG.exception("the download failed", exc_info=error)
        return Response(
            "the download failed; the data team finds the details in the app's log\n",
            500,
            mimetype="text/plain",
        )
    return Response(
        buffer.getvalue(),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}.{kind}"'},
    )


def _show_error(error: Exception) -> None:
    """Any callback's unexpected failure: logged in full, told plainly on the page."""
    if isinstance(error, ClusteringError):
        message = str(error)
    else:
        LOG.exception("callback failed", exc_info=error)
        message = (
            "Something went wrong drawing this part of the page; the data team finds the "
            "details in the app's log. Reloading the page usually helps."
        )
    set_props("app-error", {"children": message})


def create_app(config: AppConfig) -> Dash:
    """The Dash app over `config.warehouse` (not yet serving)."""
    warehouse = PublishedWarehouse(config.warehouse)
    store = AudienceStore(config.audiences_path)
    app = Dash(
        __name__,
        title="Olist customer segments",
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
        assets_folder=str(Path(__file__).with_name("assets")),
        on_error=_show_error,
    )
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES

    if config.password:
        expected = config.password.encode("utf-8")

        @server.before_request
        def require_password():
            auth = request.authorization
            given = (auth.password or "").encode("utf-8") if auth else b""
            if not hmac.compare_digest(given, expected):
                return _unauthorized()
            return None

    app.layout = html.Div(
        [
            dcc.Location(id="url"),
            html.Header(
                [html.H1("Olist customer segments"), html.Div(id="nav"), html.Div(id="status")],
                className="top",
            ),
            html.Div(id="app-error", className="error", role="alert"),
            dcc.Loading(html.Main(id="page"), delay_show=400),
        ]
    )

    @app.callback(
        Output("nav", "children"),
        Output("status", "children"),
        Output("page", "children"),
        Input("url", "pathname"),
        Input("url", "search"),
    )
    def route(pathname, search):
        try:
            s = warehouse.current()
        except AppError as error:
            return navigation(pathname or "/"), "", [notice(str(error), "error")]
        status = status_line(queries.header(s), warehouse.notice)
        try:
            if pathname in (None, "/"):
                page = overview.layout(s)
            elif pathname == "/segment":
                page = segment.layout(s, search)
            elif pathname == "/audiences":
                page = builder.layout(s, store, search)
            elif pathname == "/movements":
                page = movements.layout(s)
            elif pathname == "/maintenance":
                page = maintenance.layout(s)
            elif pathname == "/customer":
                page = customer.layout()
            elif pathname == "/dictionary":
                page = dictionary.layout(s, search)
            else:
                page = [notice("No such page; pick one above.", "warning")]
        except ClusteringError as error:
            page = [notice(str(error), "error")]
        return navigation(pathname or "/"), status, page

    builder.register(app, warehouse, store)
    movements.register(app, warehouse)
    customer.register(app, warehouse)

    @server.route("/download/audience.<kind>")
    def download_audience(kind: str):
        if kind not in ("csv", "parquet"):
            abort(404)
        try:
            s = warehouse.current()
            if not s.has_audience:
                raise AudienceError("no segments scored yet")
            if request.args.get("version", queries.version(s)) != queries.version(s):
                return Response(
                    "The data were refreshed after these filters were set: reload the page to "
                    "see today's count, then download again.\n",
                    409,
                    mimetype="text/plain",
                )
            raw = json.loads(request.args.get("filters", "{}"))
            audience = check_filter(raw, queries.choices(s))
        except (ValueError, ClusteringError) as error:
            return Response(f"audience refused: {error}\n", 400, mimetype="text/plain")
        return _table_file(s, queries.audience_rows_sql(audience), kind, "audience")

    @server.route("/download/movement.<kind>")
    def download_movement(kind: str):
        if kind not in ("csv", "parquet"):
            abort(404)
        try:
            s = warehouse.current()
            start = queries.find_date(s, request.args.get("start"))
            end = queries.find_date(s, request.args.get("end"))
            from_id = queries.check_cell_id(s, request.args.get("from"))
            to_id = queries.check_cell_id(s, request.args.get("to"))
        except ClusteringError as error:
            return Response(f"movement refused: {error}\n", 400, mimetype="text/plain")
        return _table_file(
            s,
            queries.movement_members_sql(start, end, from_id, to_id),
            kind,
            f"movement_{start.day}_{end.day}_{from_id}_to_{to_id}",
        )

    @server.route("/reports/<name>")
    def report(name: str):
        if name not in REPORTS:
            abort(404)
        return send_from_directory(config.reports_dir, name)

    return app


def serve(
    config: AppConfig, host: str = "127.0.0.1", port: int = DEFAULT_PORT, threads: int = 8
) -> None:
    """Serve the app until interrupted; refuses a non-local address without a password."""
    check_binding(host, config.password)
    if not config.warehouse.is_file():
        raise AppError(
            f"no warehouse at {config.warehouse}: run `make run` first, or pass --warehouse"
        )
    from waitress import serve as waitress_serve

    waitress_serve(create_app(config).server, host=host, port=port, threads=threads, ident=None)


def check_binding(host: str, password: str | None) -> None:
    if host not in LOCAL_HOSTS and not password:
        raise AppError(
            f"binding to {host} lets other machines reach the app: set a password in the "
            f"environment variable {APP_PASSWORD_ENV} (users then log in with it), or bind "
            "to 127.0.0.1"
        )


def password_from_environment() -> str | None:
    return os.environ.get(APP_PASSWORD_ENV) or None
