"""Values as people read them; what is stored is never changed."""

from __future__ import annotations

import sqlalchemy as sa

from co3_tui.values import ColumnFormat, formats_for, human_size, text_of


def fmt(kind: str, name: str = "c") -> ColumnFormat:
    return ColumnFormat(name, "t", kind)


def test_bytes_are_decoded_with_replacement_characters() -> None:
    raw = b"caf\xe9/\xff.txt"
    assert text_of(raw) == "caf\ufffd/\ufffd.txt"
    assert fmt("bytes").short(raw) == "caf\ufffd/\ufffd.txt"
    assert fmt("bytes").full(raw) == "caf\ufffd/\ufffd.txt  (not UTF-8; hex 636166e92fff2e747874)"
    assert raw == b"caf\xe9/\xff.txt"


def test_control_characters_stay_on_one_line() -> None:
    assert text_of("a\nb\tc\x7f") == "a\u240ab\u2409c\u2421"
    assert fmt("text").short(b"line\nbreak") == "line\u240abreak"


def test_times_are_shown_in_the_local_zone() -> None:  # TZ=UTC in the tests
    ns = 1_793_866_320_123_456_789
    assert fmt("time_ns").short(ns) == "2026-11-05 08:12:00"
    assert fmt("time_ns").full(ns) == "2026-11-05 08:12:00.123456789 UTC  (1793866320123456789)"
    assert fmt("time_ns").short(10**30) == str(10**30)  # out of range: the number


def test_hashes_are_short_hex_in_the_table() -> None:
    digest = bytes(range(32))
    assert fmt("hash").short(digest) == "000102030405…"
    assert fmt("hash").full(digest) == digest.hex()


def test_sizes_and_modes() -> None:
    assert [human_size(n) for n in (0, 844, 1024, 1843, 12_000, 5 * 2**20)] == [
        "0", "844", "1.0K", "1.8K", "12K", "5.0M",
    ]  # fmt: skip
    assert fmt("size").full(1812) == "1,812 bytes (1.8K)"
    assert fmt("mode").short(0o100644) == "-rw-r--r--"
    assert fmt("mode").full(0o40755) == "drwxr-xr-x  (0o40755)"


def test_null_and_alignment() -> None:
    assert fmt("text").short(None) == "∅"
    assert str(fmt("int").cell(None)) == "∅"
    assert fmt("int").cell(5).justify == "right"
    assert fmt("text").cell("x").justify == "left"
    assert fmt("bool").short(True) == "true"


def test_formats_for_columns() -> None:
    table = sa.Table(
        "t",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("path", sa.LargeBinary),
        sa.Column("hash", sa.LargeBinary),
        sa.Column("size", sa.BigInteger),
        sa.Column("mode", sa.Integer),
        sa.Column("mtime_ns", sa.BigInteger),
        sa.Column("ok", sa.Boolean),
        sa.Column("name", sa.Text),
        sa.Column("ratio", sa.Float),
    )
    kinds = [f.kind for f in formats_for(list(table.columns), file_index=True)]
    assert kinds == ["int", "bytes", "hash", "size", "mode", "time_ns", "bool", "text", "float"]
    plain = [f.kind for f in formats_for(list(table.columns))]
    assert plain[3:5] == ["int", "int"]  # size and mode are special in the file index only
    names = [f.type_name for f in formats_for(list(table.columns))]
    assert names[:3] == ["int", "blob", "blob"]
