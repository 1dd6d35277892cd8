from bot.i18n import pick_language, tn


def test_polish_and_ukrainian_have_three_plural_forms() -> None:
    forms_pl = [tn("common.institutions", n, "pl") for n in (1, 2, 5, 22)]
    forms_uk = [tn("common.institutions", n, "uk") for n in (1, 2, 5, 22)]

    assert forms_pl == ["1 placówka", "2 placówki", "5 placówek", "22 placówki"]
    assert forms_uk == ["1 установа", "2 установи", "5 установ", "22 установи"]


def test_language_is_picked_from_telegram_code_with_polish_default() -> None:
    codes = ("uk-UA", "en", "ru", None)

    assert [pick_language(code) for code in codes] == ["uk", "en", "pl", "pl"]
