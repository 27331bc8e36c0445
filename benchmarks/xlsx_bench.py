"""Time reading one big workbook sheet against the same data as CSV: seconds and peak RSS, one process each.

    python benchmarks/xlsx_bench.py                       # 1M rows x 20 columns: workbook vs CSV (pyarrow)
    python benchmarks/xlsx_bench.py --rows 100000 --openpyxl   # also openpyxl (read-only) on the workbook

Each reader runs in a fresh Python process (so peak RSS is its own), `--repeat` times; the median time and
the largest peak RSS are printed, with the median CPU time (less
sensitive to a busy machine than wall time). The files are generated once into `--data-dir` and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = 20

# One reader per process: prints {"seconds": …, "rss_mib": …, "rows": …} as its last line.
CHILD = """\
import json, resource, sys, time
kind, path = sys.argv[1], sys.argv[2]
t0, c0 = time.perf_counter(), time.process_time()
if kind == "calamine":
    from pathlib import Path
    from energyplan.plan.xlsx import read_workbook
    book = read_workbook(Path(path))
    assert not book.problems, book.problems
    rows = len(book.sheets["workloads"].excel_rows)
elif kind == "openpyxl":
    import openpyxl
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = sum(1 for _ in wb["workloads"].iter_rows(values_only=True)) - 1
else:
    from pathlib import Path
    from energyplan.plan.files import read_csv
    table, _ = read_csv(Path(path), "workloads")
    rows = table.num_rows
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "cpu": cpu, "rss_mib": rss, "rows": rows}))
"""


def _cells(i: int) -> list[tuple[str, str]]:
    """(kind, text) of row i's 20 cells: ids, numbers, dates (as Excel serials), booleans, free text."""
    day = 46023 + i % 900  # 2026-01-01 onwards
    return [("s", f"w{i:07d}"), ("s", f"site-{i % 97}"), ("n", str(8 * (1 + i % 64))), ("n", f"{0.5 + i % 17 / 4}"),
            ("d", str(day)), ("d", str(day + 365)), ("b", str(i % 2)), ("s", ("training", "inference")[i % 2]),
            ("n", str(i % 1000)), ("n", f"{(i * 37) % 9973 / 7:.6g}"), ("s", f"team-{i % 13}"),
            ("n", str(i % 5)), ("n", f"{99.0 + i % 10 / 10}"), ("s", "EUR"), ("n", f"{i % 400 / 3:.6g}"),
            ("s", f"note {i}"), ("n", str(i)), ("d", str(day + 30)), ("b", str((i // 2) % 2)), ("n", "1")]


def _csv_text(kind: str, text: str) -> str:
    if kind == "d":
        import datetime as dt

        return (dt.date(1899, 12, 30) + dt.timedelta(days=int(text))).isoformat()
    return {"b": {"0": "false", "1": "true"}.get(text, text)}.get(kind, text)


def generate(rows: int, folder: Path) -> tuple[Path, Path]:
    """The sheet as an .xlsx (text in shared strings, as Excel writes it; raw XML, as openpyxl would take
    minutes) and the same data as CSV."""
    from xml.sax.saxutils import escape

    folder.mkdir(parents=True, exist_ok=True)
    xlsx_path, csv_path = folder / f"plan-{rows}.xlsx", folder / f"workloads-{rows}.csv"
    if xlsx_path.exists() and csv_path.exists():
        return xlsx_path, csv_path
    letters = [chr(65 + j) for j in range(COLUMNS)]
    header = [f"col_{j:02d}" for j in range(COLUMNS)]
    strings: dict[str, int] = {}

    def shared(text: str) -> int:
        return strings.setdefault(text, len(strings))

    tmp = folder / "sheet.xml"
    with tmp.open("w", encoding="utf-8") as sheet, csv_path.open("w", encoding="utf-8") as csv:
        csv.write(",".join(header) + "\n")
        sheet.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
                    'openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">')
        pairs = zip(letters, header, strict=True)
        sheet.write("".join(f'<c r="{c}1" t="s"><v>{shared(h)}</v></c>' for c, h in pairs))
        sheet.write("</row>")
        for i in range(rows):
            r = i + 2
            cells = _cells(i)
            parts = []
            for c, (kind, text) in zip(letters, cells, strict=True):
                if kind == "s":
                    parts.append(f'<c r="{c}{r}" t="s"><v>{shared(text)}</v></c>')
                elif kind == "b":
                    parts.append(f'<c r="{c}{r}" t="b"><v>{text}</v></c>')
                elif kind == "d":
                    parts.append(f'<c r="{c}{r}" s="1"><v>{text}</v></c>')
                else:
                    parts.append(f'<c r="{c}{r}"><v>{text}</v></c>')
            sheet.write(f'<row r="{r}">{"".join(parts)}</row>')
            csv.write(",".join(_csv_text(k, t) for k, t in cells) + "\n")
        sheet.write("</sheetData></worksheet>")
    sst = "".join(f"<si><t>{escape(t)}</t></si>" for t in strings)
    with zipfile.ZipFile(xlsx_path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        zf.writestr("xl/styles.xml", _STYLES)
        zf.writestr("xl/sharedStrings.xml", '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                    f'openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{len(strings)}">{sst}</sst>')
        zf.write(tmp, "xl/worksheets/sheet1.xml")
    tmp.unlink()
    return xlsx_path, csv_path


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName='
    '"/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'sharedStrings+xml"/></Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="workloads" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>')
_STYLES = (  # style 1 = built-in number format 14 (a date), so the date cells read as dates
    '<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main"><fonts count="1"><font/></fonts><fills count="1"><fill><patternFill patternType="none"/></fill>'
    '</fills><borders count="1"><border/>'
    '</borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/>'
    '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>')


def measure(kind: str, path: Path, repeat: int) -> dict:
    runs = []
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    for _ in range(repeat):
        proc = subprocess.run([sys.executable, "-c", CHILD, kind, str(path)], capture_output=True, text=True,
                              env=env, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"{kind} failed:\n{proc.stderr}")
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return {"seconds": statistics.median(r["seconds"] for r in runs), "cpu": statistics.median(r["cpu"] for r in runs),
            "rss_mib": max(r["rss_mib"] for r in runs), "rows": runs[0]["rows"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--openpyxl", action="store_true", help="also time openpyxl (read-only) on the workbook")
    parser.add_argument("--data-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "energyplan-xlsx-bench")
    args = parser.parse_args()
    t0 = time.perf_counter()
    xlsx_path, csv_path = generate(args.rows, args.data_dir)
    print(f"data: {args.rows:,} rows x {COLUMNS} columns; xlsx {xlsx_path.stat().st_size / 2**20:.1f} MiB, "
          f"csv {csv_path.stat().st_size / 2**20:.1f} MiB (ready in {time.perf_counter() - t0:.1f} s)")
    readers = [("xlsx, python-calamine (read_workbook)", "calamine", xlsx_path),
               ("csv, pyarrow (load.read_csv)", "csv", csv_path)]
    if args.openpyxl:
        readers.insert(1, ("xlsx, openpyxl read-only (values only)", "openpyxl", xlsx_path))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (CPU seconds vary less with load)")
    print(f"{'reader':<42} {'seconds':>8} {'CPU s':>7} {'peak RSS MiB':>13}")
    for label, kind, path in readers:
        m = measure(kind, path, args.repeat)
        assert m["rows"] == args.rows, m
        print(f"{label:<42} {m['seconds']:>8.2f} {m['cpu']:>7.2f} {m['rss_mib']:>13.0f}")


if __name__ == "__main__":
    main()
