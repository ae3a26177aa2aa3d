"""Vietnamese alphabetical order."""

from __future__ import annotations

import random
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from plan161_workflow.reporting.collation import sort_vietnamese, vietnamese_key


def test_letters_with_marks_follow_their_base_letters_not_code_points() -> None:
    names = ["Đào", "Ánh", "Ân", "Dũng", "Anh", "Ă"]
    assert sorted(names, key=vietnamese_key) == ["Anh", "Ánh", "Ă", "Ân", "Dũng", "Đào"]
    assert sorted(names)[-1] == "Đào"  # code-point order, for contrast: Đ after everything


def test_alphabet_order() -> None:
    letters = list("aăâbcdđeêghiklmnoôơpqrstuưvxy")
    shuffled = letters[:]
    random.Random(161).shuffle(shuffled)
    assert sorted(shuffled, key=vietnamese_key) == letters


def test_tones_after_letters_in_the_order_none_huyen_hoi_nga_sac_nang() -> None:
    tones = ["ma", "mà", "mả", "mã", "má", "mạ"]
    assert sorted(["mạ", "má", "mã", "mả", "mà", "ma"], key=vietnamese_key) == tones
    # letters decide first: "mạ" (a) comes before "mă" (ă) despite its tone
    assert sorted(["mă", "mạ"], key=vietnamese_key) == ["mạ", "mă"]


def test_case_is_ignored() -> None:
    assert sorted(["đào", "Dũng", "ĐÀO TẠO", "anh"], key=vietnamese_key) == [
        "anh",
        "Dũng",
        "đào",
        "ĐÀO TẠO",
    ]


def test_syllable_by_syllable_and_shorter_first() -> None:
    assert sorted(["bà ba", "ba bò", "ba"], key=vietnamese_key) == ["ba", "ba bò", "bà ba"]
    assert sorted(["Anh", "An"], key=vietnamese_key) == ["An", "Anh"]


def test_agency_names() -> None:
    names = ["Sở Đào tạo", "Sở Lao động", "Sở Âm nhạc", "Sở Du lịch", "Sở An toàn", "Ủy ban"]
    assert sort_vietnamese(names, key=str) == [
        "Sở An toàn",
        "Sở Âm nhạc",
        "Sở Du lịch",
        "Sở Đào tạo",
        "Sở Lao động",
        "Ủy ban",
    ]


@given(st.text(alphabet="aăâdđeêoôơuưyAĂÂĐ àáảãạèéẻẽẹ-,"))
def test_nfd_and_nfc_sort_alike(text: str) -> None:
    nfd = unicodedata.normalize("NFD", text)
    assert vietnamese_key(nfd) == vietnamese_key(text)
