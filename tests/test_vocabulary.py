"""The label maps are complete: every code of every era can be reached."""

from nianbao.transforms.normalize import label
from nianbao.transforms.vocabulary import label_maps, match, vocabulary


def test_every_vocabulary_code_has_a_label_map_entry_for_each_of_its_eras():
    mapped = {(c.table, c.dimension, c.code): set(c.eras) for c in label_maps()}
    for row in vocabulary():
        key = (row["table"], row["dimension"], row["code"])
        assert key in mapped, f"{key} has no entry in label_maps.csv"
        assert set(row["formats"].split("|")) <= mapped[key], f"{key}: eras {row['formats']} not all mapped"


def test_label_maps_have_no_codes_outside_the_vocabulary():
    vocab = {(r["table"], r["dimension"], r["code"]) for r in vocabulary()}
    assert {(c.table, c.dimension, c.code) for c in label_maps()} <= vocab


def test_every_code_is_reached_by_its_own_canonical_label():
    for c in label_maps():
        group = c.group or None
        assert match(c.keywords[0], c.table, c.dimension, group=group) == c.code, c


def test_vocabulary_labels_match_their_codes():
    """The Chinese labels of vocabulary.csv (last part after /) find their code."""
    groups = {c.code: c.group or None for c in label_maps()}
    for row in vocabulary():
        if row["table"] == "legacy_metrics":
            continue
        text = row["label_zh"].split(" / ")[0]
        if row["dimension"] in ("applicant", "proceeding"):  # 法人或其他组织/商业企业: the leaf
            text = text.split("/")[-1]
        text = label(text.split("）", 1)[-1] if text.startswith("三（") else text)
        assert match(text, row["table"], row["dimension"], group=groups[row["code"]]) == row["code"], row
