"""`ranks people search`: names found without diacritics, within the acting user's scope."""

from tests.cli.helpers import ranks, ranks_fails


def test_search_without_diacritics(world):
    assert ranks("people", "search", "nguyen van an") == ["P-AN\tNguyễn Văn An\t1990-05-01"]
    # The words may also come unquoted.
    assert ranks("people", "search", "dang", "thi", "dung") == ["P-DUNG\tĐặng Thị Dung\t1995-02-03"]


def test_search_is_scoped_with_as(world):
    assert ranks("people", "search", "nguyen", "--as", "bob") == [
        "P-LAN\tNguyễn Văn Lan\t1988-08-08"
    ]
    assert ranks("people", "search", "nguyen", "--as", "alice") == [
        "P-AN\tNguyễn Văn An\t1990-05-01"
    ]
    assert ranks("people", "search", "lan", "--as", "alice") == ["No one found for “lan”."]


def test_search_limit(world):
    assert len(ranks("people", "search", "nguyen")) == 2
    assert ranks("people", "search", "nguyen", "--limit", "1") == [
        "P-AN\tNguyễn Văn An\t1990-05-01"
    ]
    assert ranks_fails("people", "search", "nguyen", "--limit", "0") == (
        2,
        "The limit must be 1 or more.",
    )


def test_search_shows_no_sensitive_field(world):
    # Alice may see An's national ID elsewhere, but a search line carries none of it.
    (line,) = ranks("people", "search", "nguyen van an", "--as", "alice")
    assert "030090000001" not in line and "Kinh" not in line
