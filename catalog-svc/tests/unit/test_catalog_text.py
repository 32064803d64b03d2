"""Folding Vietnamese text for search."""

from __future__ import annotations

from catalog_svc.text import MAX_QUERY_TOKENS, fold, name_key, query_tokens, query_words


def test_fold_removes_diacritics_and_case() -> None:
    assert fold("Cấp giấy phép xây dựng") == "cap giay phep xay dung"
    assert fold("ĐĂNG KÝ KẾT HÔN") == "dang ky ket hon"


def test_fold_maps_d_with_stroke_which_unicode_does_not_decompose() -> None:
    assert fold("Đổi đăng ký") == "doi dang ky"


def test_fold_turns_punctuation_into_single_spaces() -> None:
    assert fold("  Chân Mây - Lăng Cô, 1.001193!  ") == "chan may lang co 1 001193"


def test_fold_of_composed_and_decomposed_input_is_the_same() -> None:
    import unicodedata

    text = "Hộ tịch Thừa Thiên Huế"
    assert (
        fold(unicodedata.normalize("NFD", text))
        == fold(unicodedata.normalize("NFC", text))
        == "ho tich thua thien hue"
    )


def test_query_tokens_are_distinct_bounded_and_safe() -> None:
    assert query_tokens('khai "sinh" OR khai*') == ["khai", "sinh", "or"]
    many = " ".join(f"w{i}" for i in range(MAX_QUERY_TOKENS + 12))
    assert query_tokens(many) == [f"w{i}" for i in range(MAX_QUERY_TOKENS)]
    assert query_tokens("") == []
    assert query_tokens(None) == []
    assert query_tokens("!!!") == []
    assert all(len(t) <= 40 for t in query_tokens("a" * 100))


def test_name_key_starts_with_a_space_for_word_prefix_matching() -> None:
    assert name_key("Đăng ký khai sinh") == " dang ky khai sinh"


def test_query_words_keep_the_order_and_repeats_of_the_phrase() -> None:
    assert query_words("Giáo dục hòa nhập, giáo dục") == ["giao", "duc", "hoa", "nhap", "giao", "duc"]
    assert query_words(None) == []
    assert len(query_words(" ".join(["x"] * 200))) == MAX_QUERY_TOKENS * 2
