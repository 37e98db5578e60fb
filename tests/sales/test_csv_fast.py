"""csv_fast reads a file exactly as the csv module does (cells, header, row numbers), or declines to."""

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sales.imports.csv_fast import read_csv_columns
from sales.imports.readers import FileFormatError, read_csv_rows


def same_table(text: str, delimiter: str = ",") -> bool:
    """Whether csv_fast answered; asserts its answer is the csv module's."""
    fast = read_csv_columns(text, delimiter)
    if fast is None:
        return False
    slow = read_csv_rows(text, delimiter)
    assert (fast.header, fast.numbers, fast.rows) == (slow.header, slow.numbers, slow.rows)
    assert len(fast) == len(slow)
    for index in range(len(slow.header)):
        assert fast.column(index) == slow.column(index)
        texts, codes = fast.codes(index)
        assert [texts[c] for c in codes] == slow.column(index)
    return True


# Small alphabets make every quoting, blank-line and line-ending accident likely.
PIECES = ["a", "1", ",", '"', "\n", "\r", "\r\n", " ", "\t", "中", "\ufeff", "a,1\n"]
RAW_TEXT = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
# Rows of one width (so Arrow answers), cells from the same pieces written as they come, quoting accidents and all.
# Mostly pieces that keep a record on one line, so that most tables take the fast path and are compared.
CELL = st.lists(st.sampled_from(["a", "1", " ", "中", '"', "", '"x,y"', '"a""b"', '" q "'] * 4
                                + [",", "\t", "\r", "\n", '"p\nq"', "\ufeff"]), max_size=3).map("".join)
TABLE_TEXT = st.integers(1, 4).flatmap(lambda width: st.tuples(
    st.lists(st.lists(CELL, min_size=width, max_size=width), min_size=1, max_size=6),
    st.sampled_from([",", "\t"]), st.sampled_from(["\n", "\r\n"]), st.booleans(),
)).map(lambda t: t[2].join(t[1].join(row) for row in t[0]) + (t[2] if t[3] else ""))
CSV_TEXT = st.one_of(RAW_TEXT, TABLE_TEXT)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=CSV_TEXT, delimiter=st.sampled_from([",", "\t"]))
@example(text='a,b\n1,"x\ny"\n3,4\n', delimiter=",")  # a quoted line break: records and lines part ways
@example(text="a,b\n1,2\n\n3,4\n", delimiter=",")  # a blank line keeps its number in the csv module
@example(text="a,b\r1,2\r", delimiter=",")  # bare carriage returns
@example(text='a,b\n1,"abc\n', delimiter=",")  # a quote left open at the end
@example(text="\ufeff\tb\na\n", delimiter=",")  # a second byte-order mark, which Arrow would drop
def test_any_text_reads_the_same_or_goes_to_the_csv_module(text, delimiter):
    try:
        read_csv_rows(text, delimiter)
    except FileFormatError:
        return  # the csv module refuses it (an empty file): csv_fast never sees such a file answered
    same_table(text, delimiter)


@pytest.mark.parametrize(("text", "numbers"), [
    ("code,name\nB1,x\nB2,y\n", [2, 3]),
    ('code,name\r\n"B1","x, y"\r\nB2,"say ""hi"""\r\n', [2, 3]),
    ("code,name,\nB1,x,\n,,\nB2,y,\n", [2, 4]),  # a record of empty cells is skipped and keeps its number
    ("code\tname\nB1\tx\n", [2]),
])  # fmt: skip
def test_plain_files_take_the_fast_path(text, numbers):
    delimiter = "\t" if "\t" in text else ","
    assert same_table(text, delimiter)
    assert read_csv_columns(text, delimiter).numbers == numbers


@pytest.mark.parametrize("text", [
    'code,name\nB1,"x\ny"\n',  # a quoted line break
    "code,name\nB1,x\n\nB2,y\n",  # a blank line
    "code,name\nB1\n",  # a short row
    "code,name\nB1,x,extra\n",  # a long row
    "code,name\n",  # no data row
    "code,name\nB1," + "x" * 32768 + "\n",  # an over-long cell: the csv module names its row and column
])  # fmt: skip
def test_files_it_cannot_number_go_to_the_csv_module(text):
    assert read_csv_columns(text, ",") is None
