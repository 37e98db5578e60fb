"""Table: what a reader hands the importers, by rows (each importer's loop) or by columns (the sales ledger's)."""

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa


def header_names(record: Sequence[str]) -> list[str]:
    """A header record's column names: trimmed, a stray byte-order mark dropped, and trailing empty cells (a wide
    but blank formatted area) not counted as columns. Both CSV readers and the XLSX reader use it."""
    header = [h.strip().lstrip("\ufeff") for h in record]
    while header and not header[-1]:
        header.pop()
    return header


class Table:
    """A header and its data rows; `numbers[i]` is the spreadsheet row of row i (header = row 1).

    Built from rows (the csv module, XLSX) or from Arrow columns (readers' fast CSV path); either way `rows`,
    `column` and `codes` answer the same, each built on first use.
    """

    def __init__(self, header: list[str], numbers: list[int], *, rows: list[list[str]] | None = None,
                 columns: Sequence[pa.Array] | None = None) -> None:  # fmt: skip
        if (rows is None) == (columns is None):
            raise ValueError("a Table is built from rows or from columns")
        self.header, self.numbers = header, numbers
        self._rows, self._arrow = rows, columns
        self._columns: dict[int, list[str]] = {}

    def __len__(self) -> int:
        return len(self.numbers)

    @property
    def rows(self) -> list[list[str]]:
        """Every row as a list of its cells (cells past the header included, as the file has them)."""
        if self._rows is None:
            assert self._arrow is not None
            self._rows = [list(row) for row in zip(*(c.to_pylist() for c in self._arrow), strict=True)]
        return self._rows

    def column(self, index: int) -> list[str]:
        """Column `index` (< len(header)) of every row."""
        if index not in self._columns:
            if self._arrow is not None:
                self._columns[index] = self._arrow[index].to_pylist()
            else:
                self._columns[index] = [row[index] for row in self.rows]
        return self._columns[index]

    def codes(self, index: int) -> tuple[list[str], np.ndarray]:
        """Column `index` as its distinct texts and, per row, the position of its text among them.

        A ledger repeats its dates, prices and names over hundreds of thousands of rows: a parser runs once per
        distinct text, and numpy spreads the answers over the rows.
        """
        if self._arrow is not None:
            encoded = self._arrow[index].dictionary_encode()
            return encoded.dictionary.to_pylist(), encoded.indices.to_numpy(zero_copy_only=False)
        codes, distinct = pd.factorize(np.array(self.column(index), dtype=object))
        return list(distinct), codes
