"""Serves third-party front-end files from their installed PyPI packages (no CDN)."""
from flask import Blueprint, abort, send_from_directory
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster

bp = Blueprint("assets", __name__, url_prefix="/vendor")

PACKAGES = {
    "leaflet": xstatic.pkg.leaflet.BASE_DIR,
    "markercluster": xstatic.pkg.leaflet_markercluster.BASE_DIR,
}


@bp.get("/<package>/<path:filename>")
def vendor(package: str, filename: str):
    if package not in PACKAGES:
        abort(404)
    return send_from_directory(PACKAGES[package], filename, max_age=86400)
