"""Tables for reading: labels from the registry, cells by kind, short body tables."""
import pandas as pd
import pytest

from analysis.present import labels, tables


@pytest.mark.parametrize("kind, value, lang, shown", [
    ("year", 2015.0, "zh", "2015"),                 # not 2,015
    ("int", 2459894, "en", "2,459,894"),
    ("count", 154000000.0, "zh", "1.54亿"),
    ("count", 11634125.0, "zh", "1163.41万"),
    ("count", 12561.0, "zh", "12,561"),             # below a million: separators, exact
    ("count", 154000000.0, "en", "154,000,000"),
    ("pct", 0.2513, "zh", "25.1"),                  # a fraction under a (%) header
    ("pct2", 0.9741407556585772, "en", "97.41"),
    ("pp", -0.37, "zh", "−0.37"),
    ("pp", 9.530870907352739, "en", "+9.53"),
    ("pp_frac", -0.004536570527786665, "zh", "−0.45"),
    ("p", 8.03e-150, "zh", "<0.001"),
    ("p", 0.6340839535304696, "en", "0.634"),
    ("ratio", 1.2254634146341463, "en", "1.225"),
    ("level", 0.95, "en", "95%"),
    ("flag", True, "zh", "是"),
    ("flag", "False", "en", "no"),
    ("code", "invention", "zh", "发明专利"),
    ("code", "within", "en", "within"),
    ("code", "not comparable", "zh", "无法比较"),
    ("text", "2016, 2017", "zh", "2016, 2017"),
    ("pct", float("nan"), "zh", ""),
])
def test_cells_are_formatted_by_kind(kind, value, lang, shown):
    assert tables.format_value(kind, value, lang) == shown


def test_a_column_of_counts_and_rates_is_formatted_by_the_row_measure():
    assert tables.format_value("measure", 15500000.0, "zh", "net_growth_per_year") == "1550万"
    assert tables.format_value("measure", 0.11894259027226384, "zh", "growth_rate") == "11.9"
    assert tables.format_value("measure_diff", 3738000.0, "zh", "net_growth_per_year") == "+373.8万"
    assert tables.format_value("measure_diff", -0.0045, "en", "growth_rate") == "−0.45"


def test_readable_tables_are_headed_by_labels_and_an_unlabelled_column_is_named():
    frame = pd.DataFrame({"year": [2021], "pass_rate": [0.9741], "p_adj": [1e-20]})
    shown = tables.readable(frame, "sampling_comparisons", "zh")
    assert list(shown.columns) == ["年份", "合格率（%）", "Holm校正p值（所用检验）"]
    assert shown.iloc[0].tolist() == ["2021", "97.41", "<0.001"]
    with pytest.raises(KeyError, match="column 'mantel_haenszel' of table 'sampling_comparisons' has no label"):
        tables.readable(frame.assign(mantel_haenszel=1.0), "sampling_comparisons", "en")
    assert labels.unlabelled_columns(["year", "mantel_haenszel"], "sampling_comparisons") == ["mantel_haenszel"]


def test_a_column_can_mean_something_else_in_one_table():
    assert labels.column_label("ci_low", "zh", "sampling_comparisons") == "95%区间下限（百分点）"
    assert labels.column_label("ci_low", "zh", "patents_rate_ratios") == "95%区间下限（率比）"


def test_body_tables_are_short_with_intervals_as_a_dash():
    rates = pd.DataFrame({"year": [2020, 2021], "batches": [2234829, 2459894], "unqualified": [49534, 63611],
                          "qualified": [1, 1], "pass_rate": [0.97783, 0.97414], "wilson_low": [0.97764, 0.97394],
                          "wilson_high": [0.97802, 0.97433], "cp_low": [0.9, 0.9], "cp_high": [0.99, 0.99]})
    body = tables.body_table(rates, "sampling_pass_rates", "en")
    assert list(body.columns) == ["Year", "Batches sampled", "Unqualified batches", "Pass rate (%)",
                                  "95% Wilson interval (%)"]
    assert body["95% Wilson interval (%)"].tolist() == ["97.76–97.80", "97.39–97.43"]
    assert tables.body_table(rates, "patents_notes", "en") is None  # shown in full only
    flows = pd.DataFrame({"entity_type": ["enterprises"] * 2, "year": [2020, 2021], "stock": [1.0, 2.0]})
    assert tables.body_table(flows, "market_entities_flows", "zh", 2021)["年份"].tolist() == ["2021"]
    assert tables.body_table(flows, "market_entities_flows", "zh", 2030)["年份"].tolist() == ["2020", "2021"]
