"""Deterministic generators of benchmark inputs: a BACI CSV and Comtrade API v1 envelopes.

Both are seeded (numpy ``default_rng``) and streamed in chunks, so a 10M-row file never
becomes a Python list. Country codes come from corridor's reference data, so every row is
valid for the ingest; keys are unique by construction (the ingest rejects duplicates).

* :func:`write_baci` — BACI-shaped ``t,i,j,k,v,q`` rows, skewed like real trade: Zipf-like
  exporter, importer and product weights; one chunk per exporter; (i, j, k) pairs drawn
  without replacement (Gumbel top-k over the exporter's importer x product grid); HS codes
  below 100000 written as integers without the leading zero; v in thousand USD and q in
  tonnes with 3 decimals; ~4 % of q ``NA``.
* :func:`write_comtrade_envelopes` — compact JSON envelopes of 47-field records, including
  reporter 490 (``S19``, Taiwan's trade), partner 899 (``_X``), World 0 (``W00``) and the
  special areas 837–839 (``X1``, ``X2``, ``XX``); unique (reporter, partner, cmdCode, period,
  flowCode) keys across all files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "GENERATOR_VERSION",
    "hs6_codes",
    "write_baci",
    "write_comtrade_envelopes",
    "write_envelope_set",
]

GENERATOR_VERSION = 1
BACI_NAME = "BACI_HS17_Y2022_V202401.csv"

# Large traders first (Comtrade codes); the remaining countries follow in a seeded order.
_BIG_TRADERS = (
    156, 842, 276, 392, 410, 251, 381, 528, 826, 490, 699, 124, 484, 56, 724, 344, 702,
    757, 643, 764, 458, 36, 76, 784, 682, 616, 360, 704, 752, 203, 40, 792, 710, 372,
)  # fmt: skip
# Area codes that appear as partners in real responses (aliases: S19, _X, X1, X2, XX, nes).
_SPECIAL_PARTNERS = (0, 490, 899, 837, 838, 839, 568, 577, 527, 879)


# -- shared pieces ------------------------------------------------------------------------
def _countries(rng: np.random.Generator, n: int = 220) -> list[int]:
    """Return ``n`` current Comtrade country codes (plus 490), big traders first."""
    from corridor.reference.countries import countries

    current = sorted({c.code for c in countries() if c.kind == "country" and c.valid_to is None})
    big = [c for c in _BIG_TRADERS if c in current or c == 490]
    rest = [c for c in current if c not in big]
    rest = [rest[i] for i in rng.permutation(len(rest))]
    return (big + rest)[:n]


def _zipf(n: int, s: float) -> np.ndarray:
    """Zipf-like weights for ranks 1..n (normalised)."""
    w = np.arange(1, n + 1, dtype=np.float64) ** -s
    return w / w.sum()


def hs6_codes(rng: np.random.Generator, n: int = 5000) -> np.ndarray:
    """Return ``n`` distinct sorted HS6 codes (int) in chapters 01–97 except 77, skewed."""
    chapters = np.array([c for c in range(1, 98) if c != 77])
    # Machinery, electrical, chemicals and textiles hold many subheadings; others few.
    weight = rng.gamma(2.0, 1.0, len(chapters))
    for heavy in (84, 85, 29, 28, 39, 72, 73, 61, 62, 3, 90):
        weight[np.searchsorted(chapters, heavy)] *= 4
    per_chapter = np.maximum(1, np.floor(weight / weight.sum() * n)).astype(int)
    while per_chapter.sum() < n:  # hand out the rounding remainder to heavy chapters
        per_chapter[np.argmax(weight - per_chapter / n * weight.sum())] += 1
    while per_chapter.sum() > n:
        per_chapter[np.argmax(per_chapter)] -= 1
    codes = []
    for chapter, count in zip(chapters, per_chapter, strict=True):
        # heading 01–96, subheading 10–99: count ≤ 96 * 90 always holds here
        suffix = rng.choice(96 * 90, size=count, replace=False)
        heading, sub = suffix // 90 + 1, suffix % 90 + 10
        codes.append(chapter * 10_000 + heading * 100 + sub)
    return np.sort(np.concatenate(codes))


def _rows_per_group(total: int, weights: np.ndarray, cap: int) -> np.ndarray:
    """Split ``total`` rows over groups by weight, no group above ``cap``."""
    counts = np.zeros(len(weights), dtype=np.int64)
    free = np.ones(len(weights), dtype=bool)
    left = total
    while left > 0:
        share = weights * free
        add = np.floor(share / share.sum() * left).astype(np.int64)
        add[np.argmax(share)] += left - add.sum()
        counts = np.minimum(counts + add, cap)
        free = counts < cap
        left = total - int(counts.sum())
        if not free.any():
            raise ValueError(f"{total:,} rows do not fit {len(weights)} groups of {cap:,}")
    return counts


def _atomic_write_bytes(path: Path, chunks: Iterable[bytes]) -> None:
    """Write chunks to ``path`` via a ``.part`` file, so a crash never leaves half a file."""
    tmp = path.with_name(path.name + ".part")
    with tmp.open("wb") as fh:
        for chunk in chunks:
            fh.write(chunk)
    tmp.replace(path)


# -- BACI ---------------------------------------------------------------------------------
def _decimal3(milli: np.ndarray) -> pa.Array:
    """Format integer thousandths as text with exactly three decimals ('12.345')."""
    arr = pa.array(milli, pa.int64())
    whole = pc.cast(pc.divide(arr, 1000), pa.string())
    frac = pc.utf8_lpad(pc.cast(pc.subtract(arr, pc.multiply(pc.divide(arr, 1000), 1000)),
                                pa.string()), 3, "0")  # fmt: skip
    return pc.binary_join_element_wise(whole, frac, ".")


def _baci_chunk(
    rng: np.random.Generator,
    exporter: int,
    importers: np.ndarray,
    log_wj: np.ndarray,
    products: np.ndarray,
    log_wk: np.ndarray,
    rows: int,
    year: int,
) -> bytes:
    """CSV bytes of one exporter's ``rows`` unique (j, k) flows, sorted by j then k."""
    grid = (log_wj[:, None] + log_wk[None, :]).ravel()
    gumbel = -np.log(-np.log(rng.random(grid.size, dtype=np.float32) + np.float32(1e-12)))
    keys = grid + gumbel
    own = int(importers.searchsorted(exporter))  # no flow from a country to itself
    keys[own * len(products) : (own + 1) * len(products)] = -np.inf
    pick = np.sort(np.argpartition(-keys, rows - 1)[:rows])
    j = importers[pick // len(products)]
    k = products[pick % len(products)]
    v_milli = np.clip(np.rint(rng.lognormal(3.0, 2.4, rows) * 1000), 1, 9e10).astype(np.int64)
    price = rng.lognormal(1.0, 1.6, rows)  # thousand USD per tonne
    q_milli = np.clip(np.rint(v_milli / price), 1, 9e13).astype(np.int64)
    q_text = _decimal3(q_milli)
    q_text = pc.if_else(pa.array(rng.random(rows) < 0.04), pa.scalar("NA"), q_text)
    line = pc.binary_join_element_wise(
        pa.scalar(str(year)),
        pa.scalar(str(exporter)),
        pc.cast(pa.array(j), pa.string()),
        pc.cast(pa.array(k), pa.string()),
        _decimal3(v_milli),
        q_text,
        ",",
    )
    line = pc.binary_join_element_wise(line, pa.scalar(""), "\n")  # append the newline
    line = line.combine_chunks() if isinstance(line, pa.ChunkedArray) else line
    offsets = np.frombuffer(line.buffers()[1], dtype=np.int32)[: len(line) + 1]
    return line.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]]


def write_baci(path: Path, rows: int = 10_000_000, *, seed: int = 2022, year: int = 2022) -> Path:
    """Write a BACI-shaped CSV of ``rows`` unique (t, i, j, k) rows; return its path.

    ``path`` is a directory (the file gets the BACI name ``BACI_HS17_Y<year>_V202401.csv``)
    or a file path with a BACI name.
    """
    path = Path(path)
    if path.suffix.lower() != ".csv":
        path = path / BACI_NAME.replace("Y2022", f"Y{year}")
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    exporters = np.array(_countries(rng))
    products = hs6_codes(rng)
    importers = np.sort(exporters)
    rank_of = {code: r for r, code in enumerate(exporters)}  # exporters are in rank order
    w_imp = _zipf(len(importers), 0.9)[[rank_of[c] for c in importers]]
    w_prod = _zipf(len(products), 0.6)[rng.permutation(len(products))]
    log_wj = np.log(w_imp).astype(np.float32)
    log_wk = np.log(w_prod).astype(np.float32)
    cap = int((len(importers) - 1) * len(products) * 0.6)
    counts = _rows_per_group(rows, _zipf(len(exporters), 0.9), cap)
    order = np.argsort(exporters)  # BACI files are sorted by i, j, k

    def chunks() -> Iterator[bytes]:
        yield b"t,i,j,k,v,q\n"
        for idx in order:
            if counts[idx]:
                yield _baci_chunk(
                    rng, int(exporters[idx]), importers, log_wj, products, log_wk,
                    int(counts[idx]), year,
                )  # fmt: skip

    _atomic_write_bytes(path, chunks())
    return path


# -- Comtrade API v1 envelopes ------------------------------------------------------------
@dataclass(frozen=True)
class _Area:
    code: int
    iso: str
    name: str


def _areas(codes: list[int]) -> list[_Area]:
    from corridor.reference.countries import countries

    by_code = {c.code: c for c in countries()}
    return [_Area(c, by_code[c].iso3 or "", by_code[c].name) for c in codes]


def _frag(prefix: str, area: _Area) -> str:
    return (
        f'"{prefix}Code":{area.code},"{prefix}ISO":{json.dumps(area.iso)},'
        f'"{prefix}Desc":{json.dumps(area.name)},'
    )


def _num(x: float) -> str:
    return repr(x)


def write_comtrade_envelopes(
    directory: Path, records: int = 1_000_000, per_file: int = 100_000, *, seed: int = 490
) -> list[Path]:
    """Write ``records`` unique Comtrade v1 records as JSON envelopes of ``per_file`` each."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    countries = _countries(rng)
    reporters = _areas(countries[:120])  # includes 490 (S19) among the big traders
    partners = _areas(list(_SPECIAL_PARTNERS) + [c for c in countries if c != 490])
    cmds = hs6_codes(rng)
    years = np.arange(2018, 2023)
    flows = (("M", "Import"), ("X", "Export"))
    # key order = sort order of the files: reporter, period, flow, partner, commodity
    shape = (len(reporters), len(years), len(flows), len(partners), len(cmds))
    w_rep = _zipf(len(reporters), 0.8)
    w_par = _zipf(len(partners), 0.7)
    w_par[:10] = w_par[:10].max()  # World, S19, _X and the special areas are common partners
    w_par /= w_par.sum()
    w_cmd = _zipf(len(cmds), 0.5)[rng.permutation(len(cmds))]

    # Unique keys: oversample with the weights, keep first occurrences, top up if short.
    forced = [  # rows the benchmark checks for: Taiwan's trade and unallocated partners
        np.ravel_multi_index((r, 4, f, p, 0), shape)
        for r in (next(i for i, a in enumerate(reporters) if a.code == 490),)
        for p in range(10)
        for f in (0, 1)
    ]
    keys = np.array(forced, dtype=np.int64)
    while len(keys) < records:
        n = int((records - len(keys)) * 1.2) + 1000
        draw = np.ravel_multi_index(
            (
                rng.choice(shape[0], n, p=w_rep),
                rng.integers(0, shape[1], n),
                rng.integers(0, shape[2], n),
                rng.choice(shape[3], n, p=w_par),
                rng.choice(shape[4], n, p=w_cmd),
            ),
            shape,
        )
        merged = np.concatenate([keys, draw])
        _, first = np.unique(merged, return_index=True)
        keys = merged[np.sort(first)]
    keys = np.sort(keys[:records])  # API responses come sorted; files hold key ranges
    r_idx, y_idx, f_idx, p_idx, c_idx = np.unravel_index(keys, shape)

    rep_frag = [_frag("reporter", a) for a in reporters]
    par_frag = [_frag("partner", a) for a in partners]
    cmd_frag = [
        f'"cmdCode":"{c:06d}","cmdDesc":"Commodity {c:06d} (synthetic)","aggrLevel":6,'
        '"isLeaf":true,'
        for c in cmds
    ]
    flow_frag = [f'"flowCode":"{f}","flowDesc":"{d}",' for f, d in flows]
    year_frag = [
        f'{{"typeCode":"C","freqCode":"A","refPeriodId":{y}0101,"refYear":{y},"refMonth":52,'
        f'"period":"{y}",'
        for y in years
    ]
    cls_frag = [
        '"partner2Code":0,"partner2ISO":"W00","partner2Desc":"World",'
        f'"classificationCode":"{"H6" if y >= 2022 else "H5"}","classificationSearchCode":"HS",'
        '"isOriginalClassification":true,'
        for y in years
    ]
    customs = (
        '"customsCode":"C00","customsDesc":"TOTAL CPC","mosCode":"0","motCode":0,'
        '"motDesc":"TOTAL MOT",'
    )

    paths = []
    for start in range(0, records, per_file):
        stop = min(start + per_file, records)
        n = stop - start
        value = np.round(rng.lognormal(11.0, 2.8, n), 2).tolist()
        weight = np.round(value / rng.lognormal(1.0, 1.5, n), 3)
        has_wgt = rng.random(n) >= 0.05
        unit = rng.choice(3, n, p=[0.7, 0.2, 0.1])  # 8 kg, 5 u (items), -1 N/A
        weight_l = weight.tolist()
        items = np.maximum(1, np.rint(weight / 3.0)).tolist()
        parts = []
        for row in range(n):
            pos = start + row
            f = int(f_idx[pos])
            v = value[row]
            w = weight_l[row] if has_wgt[row] else None
            wtext = "null" if w is None else _num(w)
            u = unit[row]
            if u == 0 and w is not None:
                qty = f'"qtyUnitCode":8,"qtyUnitAbbr":"kg","qty":{wtext},"isQtyEstimated":false,'
            elif u == 1:
                qty = (
                    f'"qtyUnitCode":5,"qtyUnitAbbr":"u","qty":{_num(items[row])},'
                    '"isQtyEstimated":false,'
                )
            else:
                qty = '"qtyUnitCode":-1,"qtyUnitAbbr":"N/A","qty":null,"isQtyEstimated":false,'
            vtext = _num(v)
            cif, fob = (vtext, "null") if f == 0 else ("null", vtext)
            y = int(y_idx[pos])
            parts.append(
                year_frag[y]
                + rep_frag[r_idx[pos]]
                + flow_frag[f]
                + par_frag[p_idx[pos]]
                + cls_frag[y]
                + cmd_frag[c_idx[pos]]
                + customs
                + qty
                + '"altQtyUnitCode":-1,"altQtyUnitAbbr":"N/A","altQty":null,'
                f'"isAltQtyEstimated":false,"netWgt":{wtext},"isNetWgtEstimated":false,'
                f'"grossWgt":{wtext},"isGrossWgtEstimated":false,"cifvalue":{cif},'
                f'"fobvalue":{fob},"primaryValue":{vtext},"legacyEstimationFlag":0,'
                '"isReported":true,"isAggregate":false}'
            )
        head = f'{{"elapsedTime":"{n / 9000:.2f} secs","count":{n},"data":['
        path = directory / f"comtrade-C-A-HS-{start // per_file:03d}.json"
        _atomic_write_bytes(path, (head.encode(), ",".join(parts).encode(), b'],"error":""}'))
        paths.append(path)
    return paths


def write_envelope_set(
    directory: Path, records: int, files: int = 400, *, seed: int = 490
) -> list[Path]:
    """``records`` unique records spread over ``files`` envelopes (what a real fetch leaves:
    ~190 preview answers of <= 500 rows for a 10-year HS6 corridor)."""
    return write_comtrade_envelopes(directory, records, -(-records // files), seed=seed)
