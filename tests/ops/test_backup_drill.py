"""The backup drill: fill a database, back it up, restore it into a new one, and find there
the same rows, a consistent ledger, the same uploaded files and a terminal allow-list that
verifies with the same key."""

import base64
import json
import re
import shutil

from civicard.access import signing
from tests.ops.territory import CARD_UID, OPENING_CENTS


def test_a_backup_restores_into_a_new_database(make_site, pg_server, tmp_path):
    site = make_site("drill")
    filled = site.territory("fill")
    before = site.territory("allowlist")

    backed_up = site.run("backup", str(tmp_path / "backups"))
    print(backed_up.stdout)
    [folder] = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert sorted(manifest["files"]) == ["database.dump", "media.tar.gz"]
    assert manifest["media_files"] == 1

    restored_db = f"{site.database}_restored"
    pg_server.drop(restored_db)
    media = tmp_path / "restored" / "var" / "media"
    try:
        restored = site.run("restore", str(folder), "--database", restored_db,
                            "--media-root", str(media))
        print(restored.stdout)
        assert re.match(rf"Restored into database {restored_db}: \d+ tables, \d+ rows as in the "
                        r"backup; 1 media files", restored.stdout)

        source, copy = pg_server.row_counts(site.database), pg_server.row_counts(restored_db)
        assert copy == source
        assert {table: copy[table] for table in ("access_terminal", "cards_card",
                                                 "wallets_ledgerentry", "wallets_account")} == {
            "access_terminal": 1, "cards_card": 1, "wallets_ledgerentry": 1,
            "wallets_account": 1}
        assert sum(copy.values()) > 100

        in_copy = {"DATABASE_URL": pg_server.url(restored_db),
                   "CIVICARD_VAR_DIR": str(media.parent)}
        ledger = site.run("check-ledger", **in_copy)
        print(ledger.stdout)
        assert ledger.stdout.strip() == ("Ledger consistent: every balance equals the sum of "
                                         "its entries.")
        with psycopg_connect(pg_server, restored_db) as db:
            assert db.execute("SELECT balance_cents FROM wallets_account WHERE id = %s",
                              [filled["account"]]).fetchone() == (OPENING_CENTS,)

        after = site.territory("allowlist", **in_copy)
        assert after["public_key"] == before["public_key"]
        body = base64.b64decode(after["body"])
        assert signing.verify(body, after["signature"], before["public_key"])
        assert len(json.loads(body)["cards"]) == len(
            json.loads(base64.b64decode(before["body"]))["cards"]) == 1
        assert (media / filled["upload"]).read_text() == "Uploaded before the backup."
        assert CARD_UID not in body.decode()  # the allow-list carries keyed hashes only
    finally:
        pg_server.drop(restored_db)


def test_a_damaged_backup_is_refused_before_anything_is_created(make_site, pg_server, tmp_path):
    site = make_site("damaged")
    site.run("backup", str(tmp_path / "backups"))
    [folder] = (tmp_path / "backups").iterdir()
    damaged = tmp_path / "damaged-backup"
    shutil.copytree(folder, damaged)
    dump = bytearray((damaged / "database.dump").read_bytes())
    dump[len(dump) // 2] ^= 0x01
    (damaged / "database.dump").write_bytes(bytes(dump))

    refused = site.run("restore", str(damaged), "--database", "civicard_ops_never",
                       "--media-root", str(tmp_path / "never"), check=False)
    print(refused.stderr)
    assert refused.returncode == 1
    assert refused.stderr.strip() == ("CommandError: database.dump does not match its "
                                      "checksum: the backup is damaged.")
    assert not pg_server.exists("civicard_ops_never")
    assert not (tmp_path / "never").exists()


def psycopg_connect(server, database):
    import psycopg

    return psycopg.connect(server.url(database))
