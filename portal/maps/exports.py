"""Streamed public exports (CSV and GeoJSON): rows come through a server-side cursor in batches, so a large
export never sits in memory. Only visibility.PUBLIC_FIELDS leave the building.

The body is sent after Flask has torn the request down (and closed the request's session), so the stream reads
through a session of its own (reading where the request reads: the replica, when there is one), closed when the stream ends or the client goes away: a session borrowed from the
request would be reopened after its teardown and keep a pooled connection, idle in a transaction, until the
garbage collector found it."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from flask import Response, stream_with_context

from gis.explore import export_select

from .. import db
from ..services.text import csv_safe
from ..services.visibility import PUBLIC_FIELDS

BATCH = 2000


def _value(v):
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if hasattr(v, "value"):
        return v.value
    return v


def _rows(conds) -> Iterator[dict]:
    session = db.request_session()
    try:
        result = session.execute(export_select(conds), execution_options={"stream_results": True,
                                                                           "yield_per": BATCH})
        for row in result:
            record = {k: _value(v) for k, v in row._mapping.items()}
            yield {k: record[k] for k in PUBLIC_FIELDS}
    finally:
        session.close()


def csv_response(conds, filename: str) -> Response:
    def generate():
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=PUBLIC_FIELDS, lineterminator="\n")
        writer.writeheader()
        for n, record in enumerate(_rows(conds), 1):
            writer.writerow({k: csv_safe(v) for k, v in record.items()})
            if n % 500 == 0:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()
    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})


def geojson_response(conds, filename: str) -> Response:
    def generate():
        yield '{"type": "FeatureCollection", "features": ['
        for n, record in enumerate(_rows(conds)):
            geometry = {"type": "Point", "coordinates": [round(record["longitude"], 6),
                                                         round(record["latitude"], 6)]}
            properties = {k: v for k, v in record.items() if k not in ("latitude", "longitude")}
            yield ("," if n else "") + json.dumps({"type": "Feature", "geometry": geometry,
                                                   "properties": properties})
        yield "]}"
    return Response(stream_with_context(generate()), mimetype="application/geo+json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.geojson"'})
