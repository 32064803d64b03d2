"""The relevance contract's plan: synonyms, corrections and the order of the attempts, on a small lexicon."""

from __future__ import annotations

from catalog_svc.procedures.relevance import Attempt, Lexicon, plan, suggestion

LEXICON = Lexicon.of(
    ["dang", "ky", "khai", "sinh", "tu", "ly", "lich", "phap", "dung", "xay", "giay", "phep", "dang"],
    {"lltp": "lý lịch tư pháp", "Cấp 3": "trung học phổ thông", "so do": "giấy chứng nhận"},
)


def test_a_known_prefix_is_known_and_a_misspelt_word_has_its_neighbours() -> None:
    assert LEXICON.knows("kha")
    assert LEXICON.knows("sinh")
    assert not LEXICON.knows("sinhh")
    assert LEXICON.near("sinhh", 1) == ["sinh"]
    assert LEXICON.near("dng", 1) == ["dang", "dung"]
    assert LEXICON.near("khaiii", 1) == []
    assert LEXICON.near("khaiii", 2) == ["khai"]


def test_synonyms_replace_the_longest_run_and_keep_the_rest_in_order() -> None:
    assert LEXICON.expand(["xin", "lltp"]) == ["xin", "ly", "lich", "tu", "phap"]
    assert LEXICON.expand(["chuyen", "truong", "cap", "3"]) == [
        *("chuyen", "truong"),
        *("trung", "hoc", "pho", "thong"),
    ]
    assert LEXICON.expand(["cap", "so", "do"]) == ["cap", "giay", "chung", "nhan"]
    assert LEXICON.expand(["cap", "so"]) == ["cap", "so"]


def test_an_exact_query_is_tried_as_typed_then_all_but_one_word_from_three_words_on() -> None:
    assert plan(["khai", "sinh"], LEXICON) == [Attempt((("khai",), ("sinh",)), "khai sinh", "exact")]
    attempts = plan(["dang", "ky", "sinh"], LEXICON)
    groups = (("dang",), ("ky",), ("sinh",))
    assert attempts == [
        Attempt(groups, "dang ky sinh", "exact"),
        Attempt(groups, "dang ky sinh", "fuzzy", all_but_one=True, understood="dang ky sinh"),
    ]


def test_a_misspelt_word_stands_for_its_neighbours_and_an_unknown_one_is_left_out() -> None:
    exact, corrected, anyword = plan(["giay", "phep", "xay", "dng", "qqqq"], LEXICON)
    assert exact.groups == (("giay",), ("phep",), ("xay",), ("dng",), ("qqqq",))
    assert corrected.groups == (("giay",), ("phep",), ("xay",), ("dang", "dung"))
    assert (corrected.match, corrected.understood, corrected.phrase) == (
        "fuzzy",
        "giay phep xay dang",
        "giay phep xay dang",
    )
    assert anyword.all_but_one
    assert anyword.groups == corrected.groups


def test_repeated_words_match_once_and_stay_in_the_phrase() -> None:
    (exact, *_rest) = plan(["dang", "ky", "dang"], LEXICON)
    assert exact.groups == (("dang",), ("ky",))
    assert exact.phrase == "dang ky dang"


def test_nothing_known_suggests_words_two_edits_away_or_nothing() -> None:
    assert plan(["khaiii"], LEXICON) == [Attempt((("khaiii",),), "khaiii", "exact")]
    guess = suggestion(["khaiii", "sinh"], LEXICON)
    assert guess is not None
    assert guess.understood == "khai sinh"
    assert suggestion(["qqqqqq"], LEXICON) is None
    assert suggestion(["khai"], LEXICON) is None


def test_a_correction_another_correction_starts_is_not_looked_for_again() -> None:
    """``dag`` stands for ``da``, ``dai``, ``dang``…: every word starting with ``dang`` starts with ``da``, so
    the match and the ranking look for ``da`` alone; the phrase and the understood query keep the nearest."""
    lexicon = Lexicon.of(["da", "dai", "dang", "dao", "dat", "ky"], {})
    exact, corrected = plan(["dag", "ky"], lexicon)
    assert exact.groups == (("dag",), ("ky",))
    assert corrected.groups == (("da",), ("ky",))
    assert (corrected.phrase, corrected.understood) == ("da ky", "da ky")
