"""Backups: the database with pg_dump (custom format) and the photo store as a tar file, side by side."""
from __future__ import annotations

import shutil
import subprocess
import tarfile
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import make_url

from .errors import DomainError

#: Where Debian installs each PostgreSQL version's client programs.
PG_LIB = Path("/usr/lib/postgresql")


class BackupFailed(DomainError):
    pass


def _tool(name: str) -> str:
    """pg_dump/pg_restore of the newest PostgreSQL installed (it reads dumps of, and dumps, every older
    server); else the one on PATH."""
    installed = sorted((p for p in PG_LIB.glob(f"*/bin/{name}") if p.parent.parent.name.isdigit()),
                       key=lambda p: int(p.parent.parent.name), reverse=True)
    found = str(installed[0]) if installed else shutil.which(name)
    if not found:
        raise BackupFailed(f"{name} is not installed (package postgresql-client).")
    return found


def libpq_uri(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def backup(url: str, photo_dir: Path, target_dir: Path) -> Path:
    """Write <target>/kerbside-<UTC time>/ with database.dump and photos.tar; return that directory."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = Path(target_dir) / f"kerbside-{stamp}"
    out.mkdir(parents=True, exist_ok=False)
    result = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                             f"--file={out / 'database.dump'}", f"--dbname={libpq_uri(url)}"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupFailed(f"pg_dump failed: {result.stderr.strip()[:500]}")
    with tarfile.open(out / "photos.tar", "w") as tar:
        if Path(photo_dir).exists():
            tar.add(photo_dir, arcname="photos")
    return out


def restore(backup_dir: Path, url: str, photo_dir: Path) -> None:
    """Restore a backup made by ``backup`` into ``url`` (replacing its objects) and ``photo_dir``."""
    backup_dir = Path(backup_dir)
    dump = backup_dir / "database.dump"
    if not dump.exists():
        raise BackupFailed(f"{backup_dir} has no database.dump")
    result = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                             "--single-transaction", f"--dbname={libpq_uri(url)}", str(dump)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupFailed(f"pg_restore failed: {result.stderr.strip()[:800]}")
    photos = backup_dir / "photos.tar"
    if photos.exists():
        photo_dir = Path(photo_dir)
        photo_dir.mkdir(parents=True, exist_ok=True)
        with tarfile.open(photos) as tar:
            for member in tar.getmembers():
                if not member.isfile() or not member.name.startswith("photos/") or ".." in member.name:
                    continue
                member.name = member.name[len("photos/"):]
                tar.extract(member, photo_dir, filter="data")
