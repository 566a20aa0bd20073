from nianbao.store import dictionary


def test_data_dictionary_is_current():
    assert dictionary.OUTPUT.read_text(encoding="utf-8") == dictionary.render(), "run `nianbao docs`"


def test_every_code_has_an_english_meaning():
    text = dictionary.render()
    assert "| `withheld_state_secret` | 三（三）1.属于国家秘密 | withheld: state secret | count |" in text
