"""The hotspots pages show: the borough's and each ward's lists, read as stored while fresh enough, computed and
stored when not (gis/hotspots.py). The worker keeps the stored lists of current windows fresh
(``refresh_hotspots``)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from gis.hotspots import (StoredHotspots, forget_hotspots, hotspots, store_hotspots, stored_hotspots,
                          stored_windows)

from .transaction import unit_of_work

#: The worker recomputes stored lists older than this ...
REFRESH_EVERY = timedelta(minutes=2)
#: ... and a page never shows one older than this: it computes the list afresh instead.
MAX_AGE = timedelta(minutes=5)
MAX_AGE_MINUTES = int(MAX_AGE.total_seconds() // 60)
#: Windows ending this long ago are not recomputed by the worker (only when asked for), and lists not
#: recomputed for a day are deleted.
CURRENT = timedelta(days=2)
KEEP = timedelta(days=1)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@unit_of_work
def public_hotspots(session: Session, since: datetime, until: datetime, category_id: int | None,
                    ward_id: int | None = None, now: datetime | None = None) -> StoredHotspots:
    """Hotspots of public reports made in [since, until) (aware UTC) for a category (None: all) and ward (None:
    every ward), with when they were computed (no more than MAX_AGE before ``now``)."""
    now = now or utc_now()
    stored = stored_hotspots(session, since, until, category_id, now - MAX_AGE, ward_id)
    if stored is not None:
        return stored
    if session.info.get("replica"):      # a read-only standby (portal/db.py): compute, the worker stores
        return StoredHotspots(hotspots(session, since, until, category_id, ward_id), now)
    fresh = store_hotspots(session, since, until, category_id, now, ward_id)
    session.commit()
    return fresh


@unit_of_work
def refresh_hotspots(session: Session, now: datetime | None = None) -> int:
    """Recompute the stored lists of current windows computed over REFRESH_EVERY ago (committing each) and
    delete those not recomputed for KEEP; returns how many were recomputed."""
    now = now or utc_now()
    done = 0
    for category_id, since, until, ward_id in stored_windows(session, now - REFRESH_EVERY, now - CURRENT):
        store_hotspots(session, since, until, category_id, now, ward_id)
        session.commit()
        done += 1
    forget_hotspots(session, now - KEEP)
    session.commit()
    return done
