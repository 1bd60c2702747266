"""Every figure can be followed to its source: well-formed source URLs, no row duplicated with another
source, and the gaps table saying which missing figures were not published and which are only not in the data."""
from __future__ import annotations

import re
import urllib.parse

import pandas as pd
import pytest

from analysis.config import GAPS_FILE, RAW_DATA_DIR
from analysis.market_entities import step as market_entities
from analysis.readers import gaps
from analysis.readers.io import DataError, read_cells

#: The raw tables (a district's records, data/raw/<dataset>/records/, have no source column: they are its own exports).
RAW_TABLES = sorted(p for p in RAW_DATA_DIR.rglob("*.csv") if "records" not in p.relative_to(RAW_DATA_DIR).parts)
URL_IN_TEXT = re.compile(r"https?://[^\s,;'\"()（）]+")


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a followable http(s) address, or None."""
    if url != url.strip() or re.search(r"\s", url):
        return "whitespace"
    if re.search(r"[{}<>]", url):
        return "placeholder or markup"
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "not http(s)"
    if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d+)?", parts.netloc):
        return "no host name"
    return None


def duplicates_differing_only_in_source(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows equal to another row in every column except ``source_url`` and ``note``."""
    same = [c for c in frame.columns if c not in ("source_url", "note")]
    return frame[frame.duplicated(same, keep=False)]


def test_the_url_check_catches_what_the_issue_found():
    assert url_problem("https://freewechat.com/a/MzA4NjcxNjkzNw==/2651936835/{{href}}") == "placeholder or markup"
    assert url_problem("http://www.samr.gov.cn/a b.html") == "whitespace"
    assert url_problem("www.samr.gov.cn/x") == "not http(s)"
    assert url_problem("https:///x") == "no host name"
    assert url_problem("https://amr.sz.gov.cn/xxgk/qt/ztlm/sjfb/tjfx/djfx/content/post_8278089.html") is None


@pytest.mark.parametrize("path", RAW_TABLES, ids=lambda p: str(p.relative_to(RAW_DATA_DIR)))
def test_every_source_url_and_every_url_in_a_note_is_followable(path):
    cells, _ = read_cells(path)
    assert "source_url" in cells.columns
    problems = []
    for row, (url, note) in enumerate(zip(cells["source_url"], cells.get("note", [""] * len(cells))), start=2):
        if url or path.name != GAPS_FILE:  # a not_collected gap may have no source
            if url_problem(url):
                problems.append((row, url, url_problem(url)))
        for cited in URL_IN_TEXT.findall(note or ""):
            cited = cited.rstrip(".")
            if url_problem(cited):
                problems.append((row, cited, url_problem(cited)))
    assert problems == []


@pytest.mark.parametrize("path", [p for p in RAW_TABLES if p.name != GAPS_FILE],
                         ids=lambda p: str(p.relative_to(RAW_DATA_DIR)))
def test_no_row_repeats_another_with_only_a_different_source(path):
    cells, _ = read_cells(path)
    assert duplicates_differing_only_in_source(cells).empty


def test_the_duplicate_check_finds_a_figure_entered_twice_from_two_pages():
    cells, _ = read_cells(RAW_DATA_DIR / "market_entities.csv")
    twice = pd.concat([cells, cells.iloc[[0]].assign(source_url="http://example.org/copy", note="")])
    assert len(duplicates_differing_only_in_source(twice)) == 2


def test_shipped_gaps_are_valid_and_the_national_gap_years_are_not_in_the_data():
    table = gaps.read(RAW_DATA_DIR)
    assert set(table["status"]) == {"not_published", "not_collected"}
    national = table[table["dataset"].eq("market_entities") & table["region"].eq("全国")
                     & table["period"].eq("year-end") & table["item"].eq("*")]
    # published (the growth rates of the following year refer to them) but no citable page was found
    assert dict(zip(national["year"], national["status"])) == {
        2015: "not_collected", 2018: "not_collected", 2020: "not_collected", 2022: "not_collected"}


def _district(tmp_path, gap_lines: str):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "market_entities.csv").write_text(
        "region,level,year,period,measure,basis,all_entities,enterprises,individual,cooperatives,source_url,note\n"
        "甲区,district,2019,year-end,stock,SAMR,50000,20000,30000,,https://example.invalid/a,\n"
        "甲区,district,2021,year-end,stock,SAMR,59400,,,,https://example.invalid/b,\n", encoding="utf-8")
    if gap_lines:
        (raw / GAPS_FILE).write_text(
            "dataset,region,level,year,period,series,item,status,source_url,note\n" + gap_lines, encoding="utf-8")
    path = market_entities.process(raw, tmp_path / "processed")
    return market_entities.load(path.parent)


def test_each_gap_says_whether_it_was_not_published_or_is_not_in_the_data(tmp_path):
    table = _district(tmp_path, "market_entities,甲区,district,2020,year-end,stock,*,not_published,"
                                "https://example.invalid/bulletin,the 2020 bulletin was not issued\n"
                                "market_entities,甲区,district,2021,year-end,stock,enterprises,not_collected,,\n")
    # the listed gap without a raw row becomes rows of its own, one per type, without a value
    gap_2020 = table[table["year"].eq(2020)]
    assert len(gap_2020) == 4 and gap_2020["value"].isna().all() and gap_2020["gap"].eq("not_published").all()
    # a missing cell not listed is not in the data (未收录): "not published" needs a source
    assert table.loc[table["year"].eq(2021) & table["entity_type"].eq("individual"), "gap"].item() == "not_collected"
    assert table.loc[table["value"].notna(), "gap"].eq("").all()
    flows = market_entities.flows(table, "甲区")
    row = flows[flows["entity_type"].eq("all_entities") & flows["year"].eq(2021)].iloc[0]
    assert row["opening_gap"] == "not_published"
    assert row["note"].startswith("year-end 2020 stock not published: net growth 2021 cannot be computed")


def test_without_a_gaps_file_every_missing_figure_is_not_in_the_data(tmp_path):
    table = _district(tmp_path, "")
    flows = market_entities.flows(table, "甲区")
    row = flows[flows["entity_type"].eq("all_entities") & flows["year"].eq(2021)].iloc[0]
    assert row["note"].startswith("year-end 2020 stock not in the data (未收录)")


def test_a_not_published_gap_needs_its_source(tmp_path):
    with pytest.raises(DataError) as err:
        _district(tmp_path, "market_entities,甲区,district,2020,year-end,stock,*,not_published,,\n")
    assert "raw/gaps.csv:2: column 'source_url': a not_published gap without a source" in str(err.value)


SOURCE_LABEL = re.compile(r"source: (publisher's own page|official media|reposting)\b")


@pytest.mark.parametrize("name", ["sampling.csv", "patents.csv", "market_entities.csv"])
def test_every_shipped_row_says_whether_its_page_is_the_publishers_own_or_a_reposting(name):
    cells, _ = read_cells(RAW_DATA_DIR / name)
    kinds = [SOURCE_LABEL.search(note) for note in cells["note"]]
    assert all(kinds), [row for row, k in enumerate(kinds, start=2) if not k]
    for url, kind in zip(cells["source_url"], kinds):
        # only a government host is the publisher's own page (a statistics bureau, CNIPA, an AMR)
        is_gov = urllib.parse.urlsplit(url).netloc.endswith(".gov.cn")
        assert (kind.group(1) == "publisher's own page") == is_gov or kind.group(1) == "official media", url
