"""Names fold to plain lower-case letters, so a search typed without diacritics finds them."""

import pytest

from ranks.people.names import fold


@pytest.mark.parametrize(
    "name, folded",
    [
        ("Nguyễn Văn An", "nguyen van an"),
        ("Đặng", "dang"),
        ("đặng thị dung", "dang thi dung"),
        ("ĐẶNG THỊ DUNG", "dang thi dung"),
        ("Lò Thị Hương", "lo thi huong"),
        ("Hoàng  Văn\tƯớc ", "hoang van uoc"),
        ("Trần Quốc Tuấn", "tran quoc tuan"),
        # The same name typed with precomposed and with combining marks folds the same.
        ("Nguye\u0302\u0303n", "nguyen"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_fold(name, folded):
    assert fold(name) == folded
