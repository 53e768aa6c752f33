"""Write report tables as CSV (UTF-8 with a BOM, so Excel reads Chinese text) or Excel."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import IO

from aftersales.exports.registry import Table

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def write(
    tables: list[Table],
    fmt: str,
    out: IO[bytes],
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write ``tables`` to the binary stream ``out``; return the number of rows written.

    ``progress(rows_done)`` is called after every row (header rows do not count). CSV writes
    the tables one after the other, separated by an empty line; Excel makes one sheet each.
    """
    done = 0
    if fmt == "csv":
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        text.write("\ufeff")
        writer = csv.writer(text)
        for index, table in enumerate(tables):
            if index:
                writer.writerow([])
            writer.writerow(table.header)
            for row in table.rows:
                writer.writerow(row)
                done += 1
                if progress:
                    progress(done)
        text.flush()
        text.detach()
        return done
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for table in tables:
        sheet = book.create_sheet(table.name[:31])
        sheet.append(table.header)
        for row in table.rows:
            sheet.append(row)
            done += 1
            if progress:
                progress(done)
    book.save(out)
    return done


def render(tables: list[Table], fmt: str) -> bytes:
    """Return the whole file as bytes (the inline export)."""
    out = io.BytesIO()
    write(tables, fmt, out)
    return out.getvalue()
