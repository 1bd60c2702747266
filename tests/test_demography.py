"""Business demography from the register: a hand-counted register, the SYNTHETIC seeded register, bad input."""
import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from analysis.demography import step
from analysis.parameters import ParameterError
from analysis.readers.io import DataError
from synthetic_register import synthetic_register, write_register

NaT = None
END = dt.date(2021, 12, 31)
# (type, founded, deregistered, revoked, moved_in, moved_out); counted by hand in the tests below.
ENTITIES = [
    ("enterprises", "2019-03-01", NaT, NaT, NaT, NaT),                    # 1 born 2019, still registered
    ("enterprises", "2019-06-15", "2020-06-15", NaT, NaT, NaT),           # 2 born 2019, 注销 2020 at 366 days
    ("individual", "2020-01-10", NaT, "2020-01-10", NaT, NaT),            # 3 吊销 on its founding day
    ("individual", "2018-05-05", "2021-02-01", NaT, "2020-04-01", NaT),   # 4 moved in 2020 (no birth), 注销 2021
    ("enterprises", "2020-07-01", "2021-05-01", NaT, NaT, "2021-03-01"),  # 5 moved out 2021, exit elsewhere
    ("cooperatives", "2021-12-01", NaT, NaT, NaT, NaT),                   # 6 born in the last month
    ("individual", "2019-11-30", "2021-11-30", "2021-06-01", NaT, NaT),   # 7 吊销 2021 (before its 注销)
    ("enterprises", "2018-02-01", "2019-02-01", NaT, NaT, NaT),           # 8 the first founding, 注销 2019
]


def hand_register() -> pd.DataFrame:
    frame = pd.DataFrame(ENTITIES, columns=["entity_type", "founded", "deregistered", "revoked", "moved_in",
                                            "moved_out"])
    for column in ("founded", "deregistered", "revoked", "moved_in", "moved_out"):
        frame[column] = pd.to_datetime(frame[column])
    frame["exit_date"] = frame[["deregistered", "revoked"]].min(axis=1)
    frame["exit_kind"] = np.where(frame["exit_date"].isna(), None,
                                  np.where(frame["exit_date"].eq(frame["deregistered"]), "deregistered", "revoked"))
    frame["uscc"] = [f"HAND{i}" for i in range(1, len(frame) + 1)]
    frame["division_code"] = "990101"
    return frame


@pytest.fixture
def register(tmp_path):
    write_register(hand_register(), tmp_path, END)
    return step.load(tmp_path)


def test_load_reads_the_register_and_its_data_end(register):
    frame, data_end = register
    assert data_end == END
    assert len(frame) == 8 and list(frame.columns) == list(step.COLUMNS)


def test_yearly_flows_count_births_deaths_and_moves_by_hand(register):
    frame, data_end = register
    yearly = step.flows(frame, data_end, ["all_entities"]).set_index("year")
    assert yearly.index.tolist() == [2018, 2019, 2020, 2021]
    # 2019: opening {8}; births 1, 2, 7; death 8.  2020: births 3, 5; deaths 2, 3; 4 moves in.
    # 2021: opening {1, 4, 5, 7}; birth 6; deaths 4 (注销), 7 (吊销); 5 moves out (its later exit is elsewhere).
    assert yearly.loc[2019, ["opening_stock", "births", "deaths", "closing_stock"]].tolist() == [1, 3, 1, 3]
    assert yearly.loc[2020, ["opening_stock", "births", "deaths", "revoked", "moved_in", "closing_stock"]].tolist() \
        == [3, 2, 2, 1, 1, 4]
    row = yearly.loc[2021]
    assert row[["opening_stock", "births", "deaths", "deregistered", "revoked", "moved_out", "closing_stock"]
               ].tolist() == [4, 1, 2, 1, 1, 1, 2]
    assert (row["birth_rate"], row["death_rate"], row["churn_rate"]) == (0.25, 0.5, 0.75)
    assert yearly["complete"].all()


def test_monthly_flows_add_up_to_the_year_and_the_stock_carries_over(register):
    frame, data_end = register
    monthly = step.flows(frame, data_end, ["all_entities", "individual"], freq="month")
    yearly = step.flows(frame, data_end, ["all_entities", "individual"])
    summed = monthly.groupby(["entity_type", "year"])[["births", "deaths", "moved_in", "moved_out"]].sum()
    assert summed.to_numpy().tolist() == yearly.set_index(["entity_type", "year"])[summed.columns].to_numpy().tolist()
    for _, sub in monthly.groupby("entity_type"):
        assert sub["opening_stock"].iloc[1:].tolist() == sub["closing_stock"].iloc[:-1].tolist()
    jan_2020 = monthly[monthly["entity_type"].eq("individual") & monthly["period"].eq("2020-01")].iloc[0]
    assert (jan_2020["births"], jan_2020["deaths"], jan_2020["revoked"]) == (1, 1, 1)  # entity 3: same day


def test_cohort_survival_censors_moves_and_the_data_end(register):
    frame, data_end = register
    table = step.cohort_survival(frame, data_end, [2019, 2020, 2021], ["all_entities"]).set_index("cohort")
    # 2019: exits at 366 (entity 2) and 549 days (7); entity 1 censored at 1036 days.
    assert table.loc[2019, ["births", "exits"]].tolist() == [3, 2]
    assert table.loc[2019, "surv_1y"] == 1.0                      # 366 days is past 365.25
    assert table.loc[2019, "surv_2y"] == pytest.approx(1 / 3)
    assert table.loc[2019, "median_years"] == pytest.approx(549 / 365.25)
    # 2020: entity 3 exits at age 0; entity 5 is censored at its move out (243 days), not counted as an exit.
    assert table.loc[2020, ["births", "exits"]].tolist() == [2, 1]
    assert table.loc[2020, "median_years"] == pytest.approx(121.5 / 365.25)   # S is 0.5 to its end: midpoint
    assert math.isnan(table.loc[2020, "surv_1y"])                  # followed 243 days only
    # 2021: the cooperative born in December, no exit, 30 days of follow-up.
    assert table.loc[2021, ["births", "exits"]].tolist() == [1, 0]
    assert table.loc[2021, "follow_up_years"] == pytest.approx(30 / 365.25)


def test_cohort_times_apply_the_common_window(register):
    frame, data_end = register
    times = step.cohort_times(frame, data_end, 2019, window_days=400)
    assert sorted(zip(times["time"], times["event"])) == [(366, 1), (400, 0), (400, 0)]


def test_exits_by_age_in_the_target_year(register):
    frame, data_end = register
    exposure = step.age_exposure(frame, data_end, 2021)
    # days in the district in 2021: 365 (1) + 31 (4) + 59 (5) + 31 (6) + 151 (7)
    assert exposure["person_years"].sum() * step.YEAR_DAYS == pytest.approx(637)
    # exits: entity 7 at 549 days (band 1-2), entity 4 at 1003 days (band 2-3)
    assert exposure.set_index("age_band")["exits"].to_dict() == {"0-1": 0, "1-2": 1, "2-3": 1, "3-5": 0,
                                                                  "5-10": 0, "10+": 0}
    shares = step.young_exit_shares(frame, data_end, 2021, [2020], ["all_entities"])
    target = shares[shares["years"].eq("2021")].set_index("under_years")
    assert target["young_exits"].to_dict() == {1: 0, 3: 2, 5: 2}
    base = shares[shares["years"].eq("2020")].set_index("under_years")
    assert base["young_exits"].to_dict() == {1: 1, 3: 2, 5: 2}     # entity 3 at age 0, entity 2 at 366 days


def test_check_params_needs_complete_years_with_an_opening_stock(register):
    frame, data_end = register
    assert step.check_params(frame, data_end, 2021, [2020, 2019], ["all_entities"], "en") == (["all_entities"],
                                                                                                [2019, 2020])
    with pytest.raises(ParameterError, match="year 2018 is not a complete year.*2019-2021"):
        step.check_params(frame, data_end, 2021, [2018], ["all_entities"], "en")
    with pytest.raises(ParameterError, match="year 2022"):
        step.check_params(frame, data_end, 2022, [2020], ["all_entities"], "en")
    with pytest.raises(ParameterError, match="unknown entity_type 'firms'"):
        step.check_params(frame, data_end, 2021, [2020], ["firms"], "en")


def test_without_a_register_every_table_is_empty_and_only_the_parameters_are_checked(tmp_path):
    frame, data_end = step.load(tmp_path)
    assert frame.empty and data_end is None
    assert step.check_params(frame, None, 2021, [2019], ["enterprises"], "zh") == (["enterprises"], [2019])
    assert step.flows(frame, None, ["enterprises"]).empty
    assert step.cohort_survival(frame, None, [2021], ["enterprises"]).empty
    assert step.cohort_logrank(frame, None, 2021, [2019], ["enterprises"]).empty
    assert step.age_exit_rates(frame, None, 2021, [2019], ["enterprises"]).empty


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    write_register(synthetic_register(), folder, dt.date(2022, 6, 30))
    return step.load(folder)


def test_synthetic_register_stock_identity_and_the_target_cohort_test(synthetic):
    frame, data_end = synthetic
    types = list(step.ENTITY_TYPES)
    yearly = step.flows(frame, data_end, types)
    # the types add up to all entities, every year
    parts = yearly[yearly["entity_type"].ne("all_entities")].groupby("year")[["births", "deaths", "closing_stock"]].sum()
    whole = yearly[yearly["entity_type"].eq("all_entities")].set_index("year")[parts.columns]
    assert parts.equals(whole)
    # the closing stock is the count of entities in the district at the data's end
    in_district = (frame["exit_date"].isna() & frame["moved_out"].isna()).sum()
    assert yearly[yearly["entity_type"].eq("all_entities")]["closing_stock"].iloc[-1] == in_district
    assert not yearly.loc[yearly["year"].eq(2022), "complete"].any()
    tests = step.cohort_logrank(frame, data_end, 2021, [2018, 2019, 2020], types)
    assert tests.groupby("entity_type").size().to_dict() == {t: 4 for t in types}
    assert tests["window_years"].tolist() == pytest.approx([(dt.date(2022, 6, 30) - dt.date(2021, 1, 1)).days
                                                            / 365.25] * len(tests))
    assert tests["p_val"].between(0, 1).all()


def test_synthetic_rates_compare_the_target_year_with_the_pooled_baseline(synthetic):
    frame, data_end = synthetic
    yearly = step.flows(frame, data_end, ["all_entities"])
    table = step.target_vs_baseline(yearly, 2021, [2019, 2020]).set_index("measure")
    base = yearly[yearly["year"].isin([2019, 2020])]
    births = table.loc["birth_rate"]
    assert births["baseline_pooled"] == base["births"].sum() / base["opening_stock"].sum()
    assert births["estimate"] == pytest.approx(births["target"] / births["baseline_pooled"], rel=1e-12)
    assert births["target_low"] < births["target"] < births["target_high"]
    deaths = table.loc[["deregistration_rate", "revocation_rate"], "count"].sum()
    assert deaths == table.loc["death_rate", "count"]


def _broken(tmp_path, change):
    frame = hand_register()
    change(frame)
    write_register(frame, tmp_path, END)


@pytest.mark.parametrize("change, message", [
    (lambda f: f.__setitem__("uscc", ["HAND1"] * len(f)), r"register.parquet:2: column 'uscc': duplicate entity"),
    (lambda f: f.loc.__setitem__((0, "entity_type"), "firm"), r":1: column 'entity_type': unknown entity type"),
    (lambda f: f.loc.__setitem__((1, "exit_date"), pd.Timestamp("2020-06-16")),
     r":2: column 'exit_date': not the earlier of deregistered and revoked"),
    (lambda f: f.loc.__setitem__((5, "founded"), pd.Timestamp("2022-01-05")),
     r":6: column 'founded': date after the register's data_end 2021-12-31"),
    (lambda f: f.loc.__setitem__((6, "exit_kind"), "deregistered"), r":7: column 'exit_kind': does not match"),
    (lambda f: f.loc.__setitem__((3, "moved_in"), pd.Timestamp("2021-03-01")),
     r":4: column 'exit_date': exit before moving in"),
])
def test_a_bad_register_names_file_record_and_column(tmp_path, change, message):
    _broken(tmp_path, change)
    with pytest.raises(DataError, match=message):
        step.load(tmp_path)


def test_a_register_without_data_end_is_an_error(tmp_path):
    import pyarrow.parquet as pq

    path = write_register(hand_register(), tmp_path, END)
    table = pq.read_table(path)
    pq.write_table(table.replace_schema_metadata({}), path)
    with pytest.raises(DataError, match="no data_end"):
        step.load(tmp_path)


@pytest.fixture
def synthetic_dataset():
    """A dataset (an empty raw folder, as a dataset needs one) whose processed folder holds only the SYNTHETIC
    register; both removed afterwards."""
    import shutil
    import uuid

    from analysis.config import PROCESSED_DATA_DIR, RAW_DATA_DIR

    name = f"synthetic-register-test-{uuid.uuid4().hex[:8]}"
    (RAW_DATA_DIR / name).mkdir()
    write_register(synthetic_register(), PROCESSED_DATA_DIR / name, dt.date(2022, 6, 30))
    yield name
    shutil.rmtree(PROCESSED_DATA_DIR / name)
    (RAW_DATA_DIR / name).rmdir()


def test_the_notebook_runs_whole_on_a_register(synthetic_dataset, tmp_path):
    import json

    from analysis.build import runner
    from analysis.config import NOTEBOOKS_DIR

    parameters = {"dataset": synthetic_dataset, "region": "示例区(合成数据)", "target_year": 2021,
                  "baseline_years": [2018, 2019, 2020], "lang": "en", "output_dir": str(tmp_path)}
    runner.execute(NOTEBOOKS_DIR / "demography.ipynb", tmp_path / "demography.ipynb", parameters,
                   tmp_path / "failed.ipynb", "demography")
    built = json.loads((tmp_path / "sections" / "demography.json").read_text(encoding="utf-8"))
    assert built["summary"][0] == "Register: 3975 entities, complete to 2022-06-30."
    assert len(built["summary"]) == 1 + 3 * len(step.ENTITY_TYPES)
    assert [f["file"] for f in built["figures"]] == ["figures/demography_survival.png", "figures/demography_hazard.png",
                                                     "figures/demography_monthly.png"]
    assert all((tmp_path / f["file"]).is_file() for f in built["figures"] + built["tables"])
    assert len(built["tables"]) == 7


def test_the_public_notebook_says_in_one_line_that_the_section_is_skipped(tmp_path):
    from analysis.demography import findings

    frame, data_end = step.load(tmp_path)
    status = findings.register_status("public", frame, data_end, "en")
    assert findings.key_findings(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), 2021,
                                 ["all_entities"], status, "en") == [
        "Dataset public has no register (register.parquet): this section is skipped."]
    assert findings.report_tables("", "en", yearly=step.flows(frame, data_end, ["all_entities"])) == []


def test_text_columns_stored_as_dictionaries_and_timestamps_read_the_same(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = hand_register()
    table = pa.Table.from_pandas(frame.astype({"entity_type": "category", "exit_kind": "category"}),
                                 preserve_index=False)
    pq.write_table(table.replace_schema_metadata({b"data_end": END.isoformat().encode()}), tmp_path / "register.parquet")
    loaded, data_end = step.load(tmp_path)
    yearly = step.flows(loaded, data_end, ["all_entities"]).set_index("year")
    assert yearly.loc[2021, ["opening_stock", "births", "deaths", "closing_stock"]].tolist() == [4, 1, 2, 2]
