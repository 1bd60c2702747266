"""Atomic writes keep the previous output when writing fails; tables load from every encoding."""
import pandas as pd
import pytest

from analysis.readers.io import DataError, read_table, write_atomic, write_csv

TABLE = pd.DataFrame({"地区": ["全国", "福建省"], "年份": ["2021", "2020"], "抽检批次": ["6954438", "1.54亿"]})


def test_failed_write_leaves_the_previous_file(tmp_path):
    target = tmp_path / "out.csv"
    write_csv(pd.DataFrame({"a": [1]}), target)
    before = target.read_bytes()

    def broken(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomic(target, broken)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


@pytest.mark.parametrize("encoding, reported", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                                 ("gbk", "gb18030"), ("gb18030", "gb18030")])
def test_csv_encodings_load_identically(tmp_path, encoding, reported):
    path = tmp_path / "t.csv"
    TABLE.to_csv(path, index=False, encoding=encoding)
    frame, how = read_table(path)
    assert how == reported
    pd.testing.assert_frame_equal(frame, TABLE)


def test_xlsx_loads_as_cells(tmp_path):
    path = tmp_path / "t.xlsx"
    TABLE.to_excel(path, index=False)
    frame, how = read_table(path)
    assert how == "xlsx"
    assert frame.astype(str).equals(TABLE)


def test_undecodable_file_is_one_clear_error(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"region,year\n\xff\xfe\xfa\xfb,2021\n")
    with pytest.raises(DataError, match=r"t\.csv: cannot decode the file; expected UTF-8"):
        read_table(path)


def test_unchanged_output_keeps_its_file_and_time_when_asked(tmp_path):
    import os

    target = write_csv(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
    os.utime(target, (1_000_000_000, 1_000_000_000))
    write_csv(pd.DataFrame({"a": [1]}), target, keep_unchanged=True)
    assert target.stat().st_mtime == 1_000_000_000
    write_csv(pd.DataFrame({"a": [2]}), target, keep_unchanged=True)
    assert target.stat().st_mtime > 1_000_000_000 and target.read_text() == "a\n2\n"
    write_csv(pd.DataFrame({"a": [2]}), target)
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_text_from_data_is_written_as_text_never_as_a_formula(tmp_path):
    """A note beginning with = would be a formula (=HYPERLINK runs when the workbook is opened)."""
    import openpyxl

    from analysis.readers.io import append_table

    note = '=HYPERLINK("http://evil.example","点击")'
    frame = pd.DataFrame({"category": ["=1+1", "粮食加工品", None], "batches": [3, 4, 5], "note": [note, "合格", "-"]})
    book = openpyxl.Workbook()
    append_table(book.active, frame)
    book.save(tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    cells = [(c.value, c.data_type) for row in sheet.iter_rows(min_row=2) for c in row]
    assert cells == [("=1+1", "s"), (3, "n"), (note, "s"), ("粮食加工品", "s"), (4, "n"), ("合格", "s"),
                     (None, "n"), (5, "n"), ("-", "s")]
