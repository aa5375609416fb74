"""Backups that restore: a PostgreSQL dump in custom format and the uploaded media, with a
manifest of checksums and of every table's row count, all taken from one snapshot so that the
counts are those of the dump. A restore checks the checksums first and the counts last."""

import hashlib
import json
import os
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, connections, transaction

MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media.tar.gz"
FORMAT = 1


class BackupError(Exception):
    """What stopped a backup or a restore, said for the operator."""


@dataclass(frozen=True)
class Restored:
    database: str
    tables: int
    rows: int
    media_files: int


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def libpq_environment(settings_dict: dict) -> dict:
    """pg_dump and pg_restore reach the database as Django does, without a password on the
    command line."""
    values = {"PGHOST": settings_dict.get("HOST"), "PGPORT": settings_dict.get("PORT"),
              "PGUSER": settings_dict.get("USER"), "PGPASSWORD": settings_dict.get("PASSWORD"),
              "PGDATABASE": settings_dict.get("NAME")}
    return {**os.environ, **{key: str(value) for key, value in values.items() if value}}


def row_counts(alias: str = "default") -> dict[str, int]:
    """Rows of every table Django knows, by table name."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            counts[model._meta.db_table] = model._base_manager.using(alias).count()
    return dict(sorted(counts.items()))


def backup(destination: Path, *, at: datetime) -> Path:
    """Writes civicard-<time>/ under `destination` and returns it."""
    if connection.vendor != "postgresql":
        raise BackupError("civicard backup needs PostgreSQL (DATABASE_URL); with SQLite, copy "
                          "the database file while the server is stopped.")
    folder = destination / f"civicard-{at:%Y%m%dT%H%M%SZ}"
    folder.mkdir(parents=True, exist_ok=False)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--no-owner",
              "--no-privileges", f"--file={folder / DUMP}"], connection.settings_dict)
        counts = row_counts()
    media_files = _pack_media(folder / MEDIA)
    manifest = {
        "format": FORMAT,
        "created_at": at.isoformat(),
        "database": connection.settings_dict["NAME"],
        "files": {name: {"sha256": sha256_of(folder / name),
                         "bytes": (folder / name).stat().st_size} for name in (DUMP, MEDIA)},
        "media_files": media_files,
        "row_counts": counts,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return folder


def _pack_media(target: Path) -> int:
    root = Path(settings.MEDIA_ROOT)
    files = sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []
    with tarfile.open(target, "w:gz") as archive:
        for path in files:
            archive.add(path, arcname=str(path.relative_to(root)), recursive=False)
    return len(files)


def read_manifest(folder: Path) -> dict:
    """The manifest, once every file it lists has the size and checksum it records."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{folder / MANIFEST} cannot be read: {error}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.is_file():
            raise BackupError(f"{name} is missing from the backup.")
        if path.stat().st_size != expected["bytes"] or sha256_of(path) != expected["sha256"]:
            raise BackupError(f"{name} does not match its checksum: the backup is damaged.")
    return manifest


def restore(folder: Path, *, database: str, media_root: Path) -> Restored:
    """Restores into `database`, a new database on the server of DATABASE_URL (created here),
    and the media into `media_root` (empty or new); then compares every table's rows."""
    manifest = read_manifest(folder)
    if connection.vendor != "postgresql":
        raise BackupError("civicard restore needs PostgreSQL (DATABASE_URL).")
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(f"{media_root} is not empty: restore the media into a new folder.")
    server = connection.settings_dict
    _run(["createdb", "--template=template0", database], server)
    _run(["pg_restore", "--exit-on-error", "--no-owner", "--no-privileges",
          f"--dbname={database}", str(folder / DUMP)], server)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / MEDIA, "r:gz") as archive:
        archive.extractall(media_root, filter="data")
        media_files = len(archive.getnames())
    counts = _counts_in(database)
    if counts != manifest["row_counts"]:
        differ = sorted(table for table in set(counts) | set(manifest["row_counts"])
                        if counts.get(table) != manifest["row_counts"].get(table))
        raise BackupError(f"Restored row counts differ from the backup's: {', '.join(differ)}.")
    if media_files != manifest["media_files"]:
        raise BackupError(f"{media_files} media files restored, {manifest['media_files']} "
                          "in the backup.")
    return Restored(database=database, tables=len(counts), rows=sum(counts.values()),
                    media_files=media_files)


def _counts_in(database: str) -> dict[str, int]:
    alias = f"restored:{database}"
    connections.settings[alias] = {**connections.settings["default"], "NAME": database}
    try:
        return row_counts(alias)
    finally:
        connections[alias].close()
        del connections.settings[alias]


def _run(command: list[str], settings_dict: dict) -> None:
    result = subprocess.run(command, env=libpq_environment(settings_dict), capture_output=True,
                            text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")
