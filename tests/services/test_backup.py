import pytest
from alembic import command
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from models import Report
from devtools import cluster
from portal.cli import alembic_config
from portal.services import backup, demo
from portal.services.photos import PhotoStore, process_photo
from portal.services.reports import NewReport, create_report

from ..factories import CATFORD, FLY_TIPPING_ANSWERS, image_bytes


def test_backup_then_restore_into_a_fresh_database_finds_every_report(database_url, tmp_path):
    src = cluster.recreate_database(database_url, "kerbside_backup_src")
    dst = cluster.recreate_database(database_url, "kerbside_backup_dst")
    cfg = alembic_config(src)
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "heads")
    engine = create_engine(src)
    photos = tmp_path / "photos"
    store = PhotoStore(photos)
    with Session(engine) as s:
        from gis.importers import import_wards
        import_wards(s, demo.WARDS_FILE)
        demo.load_categories(s)
        demo.load_fms_history(s)
        key = store.save_pending(process_photo(image_bytes()))
        answers = {k.removeprefix("q_fly_tipping_"): v for k, v in FLY_TIPPING_ANSWERS.items()}
        create_report(s, NewReport("fly_tipping", CATFORD, "with a photo", answers, [key]), None, store)
        before = sorted(s.scalars(select(Report.reference)))
    engine.dispose()

    out = backup.backup(src, photos, tmp_path / "backups")
    restored_photos = tmp_path / "restored-photos"
    backup.restore(out, dst, restored_photos)

    engine = create_engine(dst)
    with Session(engine) as s:
        after = sorted(s.scalars(select(Report.reference)))
        assert s.execute(text("SELECT count(*) FROM reports WHERE ward_id IS NOT NULL")).scalar() > 14000
    engine.dispose()
    assert after == before and len(after) == 14885
    assert (restored_photos / f"{key}.jpg").read_bytes() == (photos / f"{key}.jpg").read_bytes()


def test_restore_of_a_folder_without_a_dump_is_refused(tmp_path, database_url):
    with pytest.raises(backup.BackupFailed, match="no database.dump"):
        backup.restore(tmp_path, database_url, tmp_path / "p")
