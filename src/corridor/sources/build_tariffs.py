"""Write the offline table of Japan's chapter-76 MFN and Japan-India CEPA rates from the schedule.

``corridor tariffs`` works without a warehouse from ``reference/data/japan_tariff_ch76.csv``:
for every 9-digit line of chapter 76, the general, temporary and WTO rates (which make the
MFN rate) and the Japan-India CEPA rate, exactly as written in Japan Customs' schedule (a
heading's rate is written on each line below it), in corridor's plain tariff CSV format with
the source, edition and the sha256 of the file it was built from on every row::

    python -m corridor.sources.build_tariffs japan_customs_tariff_2026-07-09_ch76.json
    python -m corridor.sources.build_tariffs FILE --check   # exit 1 if the shipped table differs

A test rebuilds the table from ``shared/data/reference/tariffs/`` and compares.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import sys
from pathlib import Path

from corridor.sources.tariffs_japan import SOURCE, parse_japan_schedule

__all__ = ["OFFLINE_TABLE", "build_table"]

OFFLINE_TABLE = Path(__file__).resolve().parents[1] / "reference" / "data" / "japan_tariff_ch76.csv"
COLUMNS = ("基本", "暫定", "WTO協定", "EPA_インド")
_PARTNER = {"基本": "*", "暫定": "*", "WTO協定": "*", "EPA_インド": "JP-IN-CEPA"}
HEADER = ("importer", "partner_or_agreement", "hs", "rate", "basis", "valid_from", "source",
          "description")  # fmt: skip


def build_table(path: Path) -> str:
    """The offline table's CSV text, built from a Japan Customs schedule file."""
    schedule = parse_japan_schedule(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    source = (
        f"{SOURCE}, edition {schedule.edition.isoformat()}; built by corridor from "
        f"{path.name} (sha256 {digest[:16]})"
    )
    rows = sorted(
        (r for r in schedule.rows if r["column_name"] in COLUMNS),
        key=lambda r: (r["national_line"], COLUMNS.index(r["column_name"])),
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for r in rows:
        writer.writerow(
            ["JPN", _PARTNER[r["column_name"]], r["national_line"], r["rate_text"], r["basis"],
             r["valid_from"].isoformat(), source, r["description"] or ""]
        )  # fmt: skip
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schedule", type=Path, help="Japan Customs schedule JSON (chapter 76)")
    parser.add_argument("--out", type=Path, default=OFFLINE_TABLE)
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    text = build_table(args.schedule)
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'DIFFERS from the schedule'}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({text.count(chr(10)) - 1} rates)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
