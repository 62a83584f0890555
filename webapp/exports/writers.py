"""Writing an export's rows as they come, in bounded memory.

* XLSX: XlsxWriter in ``constant_memory`` mode (each row goes to a temporary file as soon
  as the next one starts; every sheet has its own, so the main sheet and the arrays' sheets
  fill side by side). Dates stay dates, shown in the company's format
  (:data:`engine.display.SPREADSHEET_FORMATS`). Photos and signatures are ``HYPERLINK``
  formulas with the address as their value: a cell like any other, where XlsxWriter's own
  hyperlinks are kept in memory until the file is closed (and Excel takes at most 65,530 a
  sheet). Text is always written as text: an answer starting with ``=`` is never a formula.
* CSV: UTF-8 with a byte-order mark (Excel then reads the accents), ``;`` in French (the
  decimal separator being the comma, it is what a French Excel splits on), ``,`` in
  English. One table: one ``.csv``, streamed. Several (arrays of objects): a ``.zip`` of
  one CSV per sheet, as ODK Central does — a single CSV cannot hold two tables, and one
  download keeps them together; the main CSV is streamed into the zip while the arrays'
  rows wait in temporary files, appended after it (a zip's entries follow each other).
  A text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) is
  prefixed with ``'`` (OWASP's advice against CSV injection); numbers are not text.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
import zipfile
from datetime import date, datetime, time
from typing import Callable, Iterable, Iterator

from engine import display
from engine.columns import Link, text

from .plan import Plan
from .source import Record

BOM = "\ufeff"
#: Excel's last row: a larger export cannot be one XLSX sheet.
EXCEL_MAX_ROWS = 1_048_576
_FORMULA_FIRST = ("=", "+", "-", "@", "\t", "\r")

Progress = Callable[[int], None]


def _rows(plan: Plan, pages: Iterable[list[Record]], progress: Progress | None) -> Iterator[tuple[int, list] | None]:
    """(sheet index, cells) for every row, None after each page (the page's end: time
    to report progress and to flush)."""
    done = 0
    for page in pages:
        for record in page:
            yield 0, plan.main_row(record)
            yield from plan.table_rows(record)
        done += len(page)
        if progress is not None:
            progress(done)
        yield None


# --- XLSX ----------------------------------------------------------------------------------


def write_xlsx(plan: Plan, pages: Iterable[list[Record]], path: str | os.PathLike, progress: Progress | None = None) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
    try:
        head = wb.add_format({"bold": True, "bg_color": "#EEEEEE"})
        day = wb.add_format({"num_format": display.SPREADSHEET_FORMATS["date"]})
        instant = wb.add_format({"num_format": display.SPREADSHEET_FORMATS["datetime"]})
        link = wb.add_format({"font_color": "blue", "underline": 1})
        sheets = []
        for s in plan.sheets:
            ws = wb.add_worksheet(s.name)
            ws.freeze_panes(1, 0)
            ws.set_column(0, max(len(s.headers) - 1, 0), 18)
            for c, h in enumerate(s.headers):
                ws.write_string(0, c, h, head)
            sheets.append(ws)
        next_row = [1] * len(sheets)
        for item in _rows(plan, pages, progress):
            if item is None:
                continue
            index, cells = item
            ws, r = sheets[index], next_row[index]
            next_row[index] += 1
            for c, v in enumerate(cells):
                if v is None:
                    continue
                if isinstance(v, Link):
                    quoted = v.url.replace('"', '""')
                    ws.write_formula(r, c, f'=HYPERLINK("{quoted}")', link, v.url)
                elif isinstance(v, bool):
                    ws.write_boolean(r, c, v)
                elif isinstance(v, (int, float)):
                    ws.write_number(r, c, v)
                elif isinstance(v, datetime):
                    ws.write_datetime(r, c, v, instant)
                elif isinstance(v, date):
                    ws.write_datetime(r, c, datetime.combine(v, time()), day)
                else:
                    ws.write_string(r, c, str(v))
    finally:
        wb.close()


# --- CSV -----------------------------------------------------------------------------------


class _Pipe(io.RawIOBase):
    """What zipfile writes, kept until the stream takes it (not seekable: zipfile then
    writes each entry's sizes after its data)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.pos = 0

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.chunks.append(bytes(b))
        self.pos += len(b)
        return len(b)

    def tell(self) -> int:
        return self.pos

    def drain(self) -> bytes:
        out = b"".join(self.chunks)
        self.chunks.clear()
        return out


class _CsvText:
    """Rows to CSV text, the cells written by :func:`engine.columns.text`."""

    def __init__(self, plan: Plan):
        self.raw, self.lang = plan.request.raw, plan.request.lang
        self.buf = io.StringIO()
        self.writer = csv.writer(self.buf, delimiter=delimiter(self.lang), lineterminator="\r\n")

    def row(self, cells: list) -> None:
        self.writer.writerow([_safe(v, text(v, raw=self.raw, lang=self.lang)) for v in cells])

    def take(self) -> bytes:
        out = self.buf.getvalue().encode("utf-8")
        self.buf.seek(0)
        self.buf.truncate()
        return out


def delimiter(lang: str) -> str:
    return ";" if lang == "fr" else ","


def _safe(value, cell: str) -> str:
    return "'" + cell if isinstance(value, str) and cell.startswith(_FORMULA_FIRST) else cell


def csv_is_zip(plan: Plan) -> bool:
    return len(plan.sheets) > 1


def stream_csv(plan: Plan, pages: Iterable[list[Record]], progress: Progress | None = None) -> Iterator[bytes]:
    """The CSV (or the zip of CSVs, :func:`csv_is_zip`), a piece at a time."""
    out = _CsvText(plan)
    if not csv_is_zip(plan):
        out.row(plan.sheets[0].headers)
        yield BOM.encode("utf-8") + out.take()
        for item in _rows(plan, pages, progress):
            if item is None:
                yield out.take()
            else:
                out.row(item[1])
        yield out.take()
        return
    pipe = _Pipe()
    spills = [tempfile.TemporaryFile() for _ in plan.sheets[1:]]
    try:
        with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            side = _CsvText(plan)
            for sheet, spill in zip(plan.sheets[1:], spills):
                side.row(sheet.headers)
                spill.write(BOM.encode("utf-8") + side.take())
            with zf.open(f"{plan.sheets[0].name}.csv", "w", force_zip64=True) as entry:
                out.row(plan.sheets[0].headers)
                entry.write(BOM.encode("utf-8") + out.take())
                for item in _rows(plan, pages, progress):
                    if item is None:
                        entry.write(out.take())
                        yield pipe.drain()
                    elif item[0] == 0:
                        out.row(item[1])
                    else:
                        side.row(item[1])
                        spills[item[0] - 1].write(side.take())
                entry.write(out.take())
            yield pipe.drain()
            for sheet, spill in zip(plan.sheets[1:], spills):
                spill.seek(0)
                with zf.open(f"{sheet.name}.csv", "w", force_zip64=True) as entry:
                    shutil.copyfileobj(spill, entry, 1 << 16)
                yield pipe.drain()
        yield pipe.drain()
    finally:
        for spill in spills:
            spill.close()


def write_csv(plan: Plan, pages: Iterable[list[Record]], path: str | os.PathLike, progress: Progress | None = None) -> None:
    with open(path, "wb") as f:
        for chunk in stream_csv(plan, pages, progress):
            f.write(chunk)
