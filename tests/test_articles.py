import json

import pytest

from claims.kernel.articles import Article, InputError, LoadFailure, LoadOptions, iter_articles, load_articles


def test_txt_folder_ids_titles_and_bom(tmp_path):
    (tmp_path / "a.txt").write_bytes("\ufeff\n\nTitle line\nBody said so.\n".encode("utf-8"))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("Only line", encoding="utf-8")
    arts = load_articles([tmp_path])
    assert [a.id for a in arts] == ["a", "b"]
    assert arts[0].title == "Title line"
    assert not arts[0].text.startswith("\ufeff")  # BOM tolerated, not part of the text


def test_line_endings_are_kept_so_offsets_match_the_file(tmp_path):
    p = tmp_path / "crlf.txt"
    p.write_bytes(b"Head\r\nOne.\rTwo.\n")
    (a,) = load_articles([p])
    assert a.text == "Head\r\nOne.\rTwo.\n"


@pytest.mark.parametrize(
    "content,error,fragment",
    [(b"", "EmptyArticle", "empty article"), (b"  \n\t", "EmptyArticle", "empty article"),
     (b"caf\xe9 au lait", "InvalidArticle", "invalid UTF-8 at byte 3"),
     (b"\x89PNG\r\n\x1a\n\x00\x00", "InvalidArticle", "binary")],
)
def test_bad_txt_is_a_recorded_failure_naming_the_file(tmp_path, content, error, fragment):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    (item,) = list(iter_articles([p]))
    assert isinstance(item, LoadFailure)
    assert item.error == error and fragment in item.message and str(p) in item.message


def test_jsonl_with_bad_lines(tmp_path):
    p = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": "x1", "text": "Hello said Bob.", "title": "T", "url": "http://u"}),
        "{not json",
        json.dumps({"id": "x2"}),
        json.dumps({"text": "no id"}),
        "",
        json.dumps({"id": 7, "text": "numeric id"}),
    ]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(iter_articles([p]))
    assert isinstance(items[0], Article) and items[0].url == "http://u" and items[0].title == "T"
    assert isinstance(items[1], LoadFailure) and items[1].error == "InvalidJSON" and f"{p}:2" in items[1].message
    assert isinstance(items[2], LoadFailure) and "'text'" in items[2].message
    assert isinstance(items[3], LoadFailure) and "missing id" in items[3].message
    assert isinstance(items[4], Article) and items[4].id == "7"


def test_duplicate_id_is_a_one_line_error(tmp_path):
    (tmp_path / "a.txt").write_text("one", encoding="utf-8")
    p = tmp_path / "more.jsonl"
    p.write_text(json.dumps({"id": "a", "text": "two"}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"more.jsonl:1: duplicate article id 'a' \(first seen in .*a.txt\)"):
        list(iter_articles([tmp_path / "a.txt", p]))


def test_missing_and_unknown_inputs(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(iter_articles([tmp_path / "nope.txt"]))
    (tmp_path / "x.csv").write_text("a,b", encoding="utf-8")
    with pytest.raises(InputError, match="unknown input type .csv"):
        list(iter_articles([tmp_path / "x.csv"]))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no .txt articles"):
        list(iter_articles([tmp_path / "empty"]))


def test_datasets_parquet_and_saved_dir_with_custom_fields(tmp_path):
    import datasets

    ds = datasets.Dataset.from_dict({"doc": ["d1", "d2"], "body": ["First said A.", "Second said B."], "title": ["t1", None]})
    ds.to_parquet(str(tmp_path / "c.parquet"))
    ds.save_to_disk(str(tmp_path / "saved"))
    opts = LoadOptions(text_field="body", id_field="doc")
    for src in (tmp_path / "c.parquet", tmp_path / "saved"):
        arts = load_articles([src], opts)
        assert [(a.id, a.text, a.title) for a in arts] == [("d1", "First said A.", "t1"), ("d2", "Second said B.", None)]
    with pytest.raises(InputError, match="no column 'text'.*--text-field"):
        list(iter_articles([tmp_path / "saved"]))


def test_seed_articles_load():
    arts = load_articles(["gold/articles"])
    assert len(arts) == 5
    assert arts[0].title.startswith("Alleged Repeated Malfunctions")
