"""``Session(catalog, query)``: one corridor question, resolved once, under every service.

Opening a session runs one query (the ``coverage`` indicator) that says what the warehouse
holds for the question on each reporting side and in each dataset. From it the session
decides — and says why — which side to read (the importer's own report when it has one,
else the exporters'), which measure (value when reported, else net weight), which dataset
(real before synthetic, one at a time so nothing is double counted), the HS level summed and
the scope the data actually covers. Every indicator then runs through the session: compiled
once per shape, memoised per question, returned as a typed :class:`Result` with provenance.
Nothing here touches a database connection; the catalog does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from corridor.analytics.scope import prefix_end
from corridor.errors import CorridorError, InvalidQuery, NotFound
from corridor.services.result import Provenance, Result

if TYPE_CHECKING:
    from corridor.analytics.plans import PlanCache
    from corridor.analytics.registry import Indicator, Shape
    from corridor.query import CorridorQuery
    from corridor.store.catalog import Catalog

__all__ = ["Session", "open_session"]

_REPORT = {"importer": "importer", "exporter": "exporter"}


@dataclass(frozen=True)
class Coverage:
    """One (side, dataset) row of the coverage probe."""

    side: str
    dataset: str
    source: str
    rows: int
    value_rows: int
    weight_rows: int
    first_year: int
    last_year: int
    levels: tuple[int, ...]
    codes6: tuple[str, ...]
    codes4: tuple[str, ...]
    codes2: tuple[str, ...]
    value_basis: tuple[str, ...]
    hs_revisions: tuple[str, ...]
    first_retrieved: datetime | None
    last_retrieved: datetime | None
    synthetic: bool
    suppliers: int
    description: str | None
    licence: str | None
    value_unit_original: str | None
    weight_unit_original: str | None
    files: int | None
    kinds: tuple[str, ...]

    @property
    def reconciled(self) -> bool:
        """True for BACI-like datasets (neither side's own report)."""
        return self.source == "baci"

    @property
    def thin_market(self) -> bool:
        """Fewer supplying countries than shares and ranks of a whole market need."""
        from corridor.analytics.constants import THIN_MARKET

        return self.suppliers < THIN_MARKET

    def thin_market_text(self, importer: str) -> str:
        """'the data holds only 1 country supplying Japan in this scope (2021, dataset …)'."""
        from corridor.units import fmt_count

        n = self.suppliers
        held = f"only {fmt_count(n, 'country', 'countries')}" if n else "no country"
        years = f"{self.first_year}" + (
            f"–{self.last_year}" if self.last_year != self.first_year else "")  # fmt: skip
        return (f"the data holds {held} supplying {importer} in this scope ({years}, dataset "
                f"{self.dataset})")  # fmt: skip

    @property
    def finest(self) -> int:
        """The finest HS level present."""
        return max(self.levels) if self.levels else 0


@dataclass(frozen=True)
class _Plan:
    """An indicator ready to run: its shape, parameter values, the datasets it reads."""

    indicator: Indicator
    shape: Shape
    values: dict[str, tuple[str, Any]]
    used: tuple[Coverage, ...]
    flow: str | None
    measure: str


#: the parameters that carry a question's years (the rest of a plan is the same for any range)
_YEAR_VALUES = frozenset({"year_from", "year_to", "year_lb"})


def _sorted(values: Any) -> tuple:
    return tuple(sorted(v for v in (values or []) if v is not None and v != ""))


class Session:
    """A corridor question bound to a catalog (see the module docstring).

    Args:
        catalog: where the data is (:func:`corridor.store.catalog.open_catalog`).
        query: the question (:class:`corridor.query.CorridorQuery`).
        plans: the compiled-plan cache (default: the process-wide one under the cache dir).
    """

    def __init__(self, catalog: Catalog, query: CorridorQuery, *, plans: PlanCache | None = None):
        self.catalog = catalog
        self.query = query
        if plans is None:
            from corridor.analytics.plans import plan_cache
            from corridor.settings import get_settings

            plans = plan_cache(get_settings().cache_dir / "plans")
        self.plans = plans
        self._results: dict[tuple, Result] = {}
        # per-year rows by plan without its years, shared by the sessions derived from this one
        self._by_year: dict[tuple, list[tuple[tuple[int, int], list[str], list[tuple]]]] = {}
        self.decisions: list[str] = []

    # -- what the data holds ---------------------------------------------------------------
    @cached_property
    def coverage(self) -> list[Coverage]:
        """What the warehouse holds for the question, per side and dataset (one query)."""
        from corridor.analytics.registry import Shape

        q = self.query
        shape = Shape("importer", "value", self._hs_shape(), bool(q.years), False, False, None,
                      freq=q.freq)  # fmt: skip
        names, rows = self._execute("coverage", shape, self._values())
        out = []
        for r in rows:
            d = dict(zip(names, r, strict=True))
            for k in (
                "levels",
                "codes6",
                "codes4",
                "codes2",
                "value_basis",
                "hs_revisions",
                "kinds",
            ):
                d[k] = _sorted(d[k])
            out.append(Coverage(**d))
        if q.dataset:
            out = [c for c in out if c.dataset == q.dataset]
        return out

    def _side_rows(self, side: str) -> list[Coverage]:
        return [c for c in self.coverage if c.side == side]

    @cached_property
    def side(self) -> str:
        """The reporting side read: ``importer`` (flow M) or ``exporter`` (flow X)."""
        q = self.query
        if q.side != "auto":
            if not self._side_rows(q.side):
                raise NotFound(self.missing(side=q.side))
            return q.side
        if self._side_rows("importer"):
            return "importer"
        if self._side_rows("exporter"):
            exp = self._side_rows("exporter")
            if any(c.reconciled for c in exp):
                self.decisions.append(
                    f"{q.importer.name} reports no imports for this scope: using reconciled "
                    "BACI flows (exporter → importer, FOB)"
                )
            else:
                self.decisions.append(
                    f"{q.importer.name} reports no imports for this scope: using its "
                    "partners' reports of exports to it (flow X, FOB)"
                )
            return "exporter"
        raise NotFound(self.missing())

    @cached_property
    def main(self) -> Coverage:
        """The dataset read on the chosen side (one, so that nothing is double counted)."""
        rows = self._side_rows(self.side)
        want_value = self.query.measure in ("auto", "value")
        best = min(
            rows,
            key=lambda c: (
                c.synthetic,
                want_value and not c.value_rows,
                -c.last_year,
                -c.rows,
                c.dataset,
            ),
        )
        others = [c.dataset for c in rows if c is not best]
        if others:
            self.decisions.append(
                f"dataset {best.dataset} is used; the warehouse also holds "
                f"{', '.join(others)} for this scope (choose with --dataset)"
            )
        return best

    @cached_property
    def measure(self) -> str:
        """``value`` (USD) or ``weight`` (kg): what shares, ranks and totals use."""
        q, main = self.query, self.main
        if q.measure == "value" and not main.value_rows:
            raise NotFound(
                f"no value data: dataset {main.dataset} carries net weights only for this "
                "scope — use --measure weight"
            )
        if q.measure == "weight" and not main.weight_rows:
            raise NotFound(f"no weight data: dataset {main.dataset} carries values only")
        if q.measure != "auto":
            return q.measure
        if main.value_rows:
            return "value"
        self.decisions.append(
            f"no value data in {main.dataset} (net weights only): shares, ranks and totals "
            "are by net weight"
        )
        return "weight"

    @cached_property
    def level(self) -> int:
        """The HS level summed."""
        return self.query.level or self.main.finest

    def exporter_side(self, *, reported: bool) -> Coverage | None:
        """The exporter-side dataset (``reported``: an exporter's own report, not BACI)."""
        rows = [c for c in self._side_rows("exporter") if not (reported and c.reconciled)]
        if not rows:
            return None
        if self.side == "exporter" and self.main in rows:
            return self.main
        same = [c for c in rows if c.dataset == self.main.dataset]
        return (same or sorted(rows, key=lambda c: (c.synthetic, -c.rows, c.dataset)))[0]

    @cached_property
    def scope(self) -> str:
        """The HS scope the data actually covers, in words (e.g. 'HS 7601 only …')."""
        return covered_scope(self.query.hs, self.main, self.level)

    @property
    def synthetic(self) -> bool:
        """True if the main dataset is synthetic."""
        return self.main.synthetic

    # -- provenance ------------------------------------------------------------------------
    def provenance(
        self, *datasets: Coverage, flow: str | None = None, measure: str | None = None
    ) -> Provenance:
        """Provenance of results read from ``datasets`` (default: the main one)."""
        used = datasets or (self.main,)
        measure = measure or self.measure
        q = self.query
        if flow is None:
            flow = self.flow_text()
        report = "reconciled" if all(c.reconciled for c in used) else (
            "importer" if self.side == "importer" else "exporter")  # fmt: skip
        times = sorted({t for c in used for t in (c.first_retrieved, c.last_retrieved) if t})
        return Provenance(
            sources=_sorted({c.source for c in used}),
            datasets=tuple(dict.fromkeys(c.dataset for c in used)),
            vintages=tuple(dict.fromkeys(v for c in used if (v := _vintage(c)))),
            citations=tuple(dict.fromkeys(f"{c.dataset}: {c.licence}" for c in used if c.licence)),
            flow=flow,
            report=report,
            value_basis=_sorted({b for c in used for b in c.value_basis}),
            units={
                "value": "USD",
                "weight": "kg",
                "measure": "USD" if measure == "value" else "kg",
            },
            hs_requested=tuple(q.hs),
            hs_covered=self.scope,
            hs_level=self.level,
            hs_revisions=_sorted({r for c in used for r in c.hs_revisions}),
            years=(min(c.first_year for c in used), max(c.last_year for c in used)),
            retrieved_at=(times[0], times[-1]) if times else (),
            synthetic=any(c.synthetic for c in used),
            engine=self.catalog.engine,
            warehouse=self.catalog.reads_from,
            decisions=tuple(self.decisions),
        )

    def flow_text(self, side: str | None = None) -> str:
        """Whose report, in words."""
        side = side or self.side
        who = self.query.importer.name
        valued = bool(self.main.value_rows)
        monthly = ", monthly" if self.query.freq == "M" else ""
        if side == "importer":
            return f"imports as reported by {who} (flow M{', CIF' if valued else ''}{monthly})"
        if self.main.reconciled:
            return f"reconciled flows to {who} (CEPII BACI, exporter → importer, FOB)"
        fob = ", FOB" if valued else ""
        return f"exports to {who} as reported by each supplier (flow X{fob}{monthly})"

    def missing(self, *, side: str | None = None, what: str | None = None) -> str:
        """One line saying what the warehouse lacks, where it looked and what would help."""
        from corridor.settings import get_settings

        q = self.query
        who = q.importer.name
        other = self._other_freq() if what is None else None
        if what is None:
            what = {
                "importer": f"imports reported by {who}",
                "exporter": f"exports to {who} reported by its partners",
                None: f"imports reported by {who} or exports to it",
            }[side]
        years = f" in {q.years[0]}–{q.years[1]}" if q.years else ""
        if q.freq == "M":
            what = f"monthly {what}"
        ds = f" in dataset {q.dataset}" if q.dataset else ""
        where = self.catalog.reads_from
        settings = get_settings()
        sample = settings.sample_warehouse_path
        if other:
            hint = other
        elif sample.is_file() and sample.resolve() != self.catalog.path.resolve():
            hint = f"the synthetic sample is in {sample} (add --warehouse {sample})"
        else:
            span = f"{q.years[0]}-{q.years[1]}" if q.years else "2015-2024"
            who_code = q.importer.iso3 or q.importer.code
            hint = (
                f"load data: `corridor fetch comtrade --reporter {who_code} --partner all "
                f"--hs {q.hs[0]} --years {span} --mirror{' --freq M' if q.freq == 'M' else ''}`, "
                "`corridor ingest ...` "
                "or `corridor sample`"
            )
        return f"no {what} for HS {','.join(q.hs)}{years}{ds} in {where} — {hint}"

    def _other_freq(self) -> str | None:
        """'it holds monthly rows …' when the other frequency has what is missing, else None."""
        other = "M" if self.query.freq == "A" else "A"
        try:
            held = self.derive(freq=other).coverage
        except CorridorError:
            return None
        if not held:
            return None
        if other == "M":
            return "it holds monthly rows for this scope: ask with --freq M (periods, forecast)"
        return "it holds annual rows for this scope: ask without --freq M"

    # -- running indicators ----------------------------------------------------------------
    def _hs_shape(self) -> tuple[int, ...]:
        return tuple(0 if h == "TOTAL" else len(h) for h in self.query.hs)

    def _values(self, **extra: tuple[str, Any]) -> dict[str, tuple[str, Any]]:
        q = self.query
        v: dict[str, tuple[str, Any]] = {"importer": ("int16", q.importer.code)}
        for i, h in enumerate(q.hs):
            if h != "TOTAL":
                v[f"hs{i}"] = ("string", h)
                v[f"hs{i}_end"] = ("string", prefix_end(h))
        if q.years:
            v["year_from"] = ("int16", q.years[0])
            v["year_to"] = ("int16", q.years[1])
            v["year_lb"] = ("int16", q.years[0] - 1)
        if q.exporter is not None:
            v["exporter"] = ("int16", q.exporter.code)
        v["top_n"] = ("int32", q.top_n)
        if q.base_year is not None:
            v["base_year"] = ("int16", q.base_year)
        v.update(extra)
        return v

    def _execute(self, name: str, shape: Shape, values: dict[str, tuple[str, Any]]):
        from corridor.analytics.registry import INDICATORS, SLICE, Frame

        if name not in INDICATORS:
            import corridor.analytics.indicators
        ind = INDICATORS[name]
        if self.catalog.compiles_sql:
            on_slice = ind.reads_slice

            def build():
                import corridor.analytics.indicators  # noqa: F401
                from corridor.analytics.plans import Params

                params = Params(values)
                return ind.expression(Frame(shape, params, slice=on_slice)), params

            plan = self.plans.get(name, (shape, on_slice), build)
            sql = plan.sql
            if on_slice:
                sql = sql.replace(f'"{SLICE}"', f'"{self._slice()}"')
            return self.catalog.run(sql, plan.bind(values))
        import corridor.analytics.indicators  # noqa: F401
        from corridor.analytics.plans import Params

        params = Params(values)
        expr = ind.expression(Frame(shape, params))
        self.catalog.backend(self._chapters())
        table = self.catalog.execute(expr, params.bound())
        names = table.column_names
        return names, [tuple(r.values()) for r in table.to_pylist()]

    def _slice(self) -> str:
        """The corridor's rows as a temporary table (created once per importer, scope, years)."""
        from corridor.analytics.registry import Frame, Shape, slice_expression

        q = self.query
        shape = Shape("importer", "value", self._hs_shape(), bool(q.years), False, False, None,
                      freq=q.freq)  # fmt: skip
        values = self._values()

        def build():
            from corridor.analytics.plans import Params

            params = Params(values)
            return slice_expression(Frame(shape, params)), params

        def covers(key: tuple) -> bool:
            # a slice of the same corridor over these years or more holds every row needed:
            # indicators filter their years themselves, and every slice has one year before
            importer, hs, years, freq = key
            if importer != q.importer.code or hs != q.hs or freq != q.freq:
                return False
            return years is None or (q.years is not None and
                                     years[0] <= q.years[0] and q.years[1] <= years[1])  # fmt: skip

        found = self.catalog.find_temp(covers)
        if found is not None:
            return found
        plan = self.plans.get("slice", shape, build)
        key = (q.importer.code, q.hs, q.years, q.freq)
        return self.catalog.temp_table(key, plan.sql, plan.bind(values))

    def indicator(self, name: str, **changes: Any) -> Result:
        """Run one indicator for the question (``changes``: e.g. ``exporter=None``)."""
        if changes:
            return self.derive(**changes).indicator(name)
        if name in self._results:
            return self._results[name]
        result = self._run(name)
        self._results[name] = result
        return result

    def derive(self, **changes: Any) -> Session:
        """A session for the same question with some fields changed (shares the cache)."""
        key = ("derive", tuple(sorted((k, repr(v)) for k, v in changes.items())))
        if key not in self._results:
            other = Session(self.catalog, self.query.replace(**changes), plans=self.plans)
            other._by_year = self._by_year
            if all(k in ("exporter", "measure", "side", "top_n", "base_year") for k in changes):
                other.__dict__["coverage"] = self.coverage  # same scope: no second probe
            self._results[key] = other  # type: ignore[assignment]
        return self._results[key]  # type: ignore[return-value]

    def _plan(self, name: str) -> _Plan:
        """What running ``name`` for this question takes: shape, values, datasets, flow."""
        from corridor.analytics.registry import INDICATORS, Shape

        if name not in INDICATORS:
            import corridor.analytics.indicators  # noqa: F401
        if name not in INDICATORS or name == "coverage":
            accepted = ", ".join(sorted(n for n in INDICATORS if n != "coverage"))
            raise InvalidQuery(f"indicator '{name}' (accepted: {accepted})")
        ind: Indicator = INDICATORS[name]
        q = self.query
        if ind.needs_exporter and q.exporter is None:
            raise InvalidQuery(f"{name} needs an exporter (--exporter)")
        if q.freq != "A" and not ind.monthly:
            monthly = ", ".join(sorted(n for n, i in INDICATORS.items() if i.monthly))
            raise InvalidQuery(
                f"{name} answers annual questions only (freq 'M' is accepted by: {monthly}, "
                "and corridor forecast)"
            )
        main, side = self.main, self.side
        own = "value" if main.value_rows else "weight"
        measure = self.measure if ind.uses_measure else own
        extra: dict[str, tuple[str, Any]] = {"dataset": ("string", main.dataset)}
        shape_extra: tuple[Any, ...] = ()
        # the market's level is known from the coverage probe: a filter, not a window
        level: int | None = (q.level or self.level) if ind.uses_side else q.level
        used = [main]
        flow = None
        mirrored = name in ("mirror", "mirror_totals")
        if mirrored or name in ("rca", "quality", "supplier_exports"):
            other = self.exporter_side(reported=mirrored or name == "quality")
            if name != "quality" and other is None:
                kind = "exporters' own reports (flow X)" if mirrored else "exports (flow X)"
                raise NotFound(self.missing(what=f"{kind} to {q.importer.name}"))
            if mirrored:
                own = self._side_rows("importer")
                if not own:
                    raise NotFound(self.missing(side="importer"))
                imp = [c for c in own if c.dataset == other.dataset] or own  # type: ignore[union-attr]
                main = min(imp, key=lambda c: (c.synthetic, -c.rows))
                extra["dataset"] = ("string", main.dataset)
                level = q.level or min(main.finest, other.finest)  # type: ignore[union-attr]
                if measure == "value" and not (main.value_rows and other.value_rows):  # type: ignore[union-attr]
                    raise NotFound("no value data on both sides — use --measure weight")
                flow = f"{q.importer.name}'s imports (M, CIF) against exporters' exports (X, FOB)"
                used = [main, other]
            if other is not None:
                extra["dataset_x"] = ("string", other.dataset)
                if name in ("rca", "supplier_exports"):
                    used = [other] if name == "rca" else [main, other]
                    flow = "exports as reported by each exporter (flow X)"
            shape_extra = ("mirror",) if name == "quality" and other is not None else shape_extra
        if name == "mix":
            shape_extra = (level or self.level,)
        if name == "growth" and q.base_year is not None:
            shape_extra = ("base",)
        if name == "scrap":
            flow = f"{q.importer.name}'s " + ("own reports (M and X)" if side == "importer"
                                               else "partners' reports (flow X)")  # fmt: skip
        shape = Shape(
            side=side,
            measure=measure,
            hs=self._hs_shape(),
            has_years=bool(q.years),
            has_exporter=q.exporter is not None,
            has_dataset=True,
            level=level,
            lookback=ind.lookback if q.years else 0,
            extra=shape_extra,
            freq=q.freq,
        )
        return _Plan(ind, shape, self._values(**extra), tuple(used), flow, measure)

    def _rows(self, name: str, plan: _Plan) -> tuple[list[str], list[tuple]]:
        """The plan's rows: run, or (per-year indicators) cut from a wider range already run."""
        years = self.query.years
        if not (plan.indicator.per_year and years):
            return self._execute(name, plan.shape, plan.values)
        key = (name, plan.shape, tuple(sorted(
            (k, v) for k, v in plan.values.items() if k not in _YEAR_VALUES)))  # fmt: skip
        for (lo, hi), names, rows in self._by_year.get(key, ()):
            if lo <= years[0] and years[1] <= hi:
                at = names.index("year")
                return names, [r for r in rows if years[0] <= r[at] <= years[1]]
        names, rows = self._execute(name, plan.shape, plan.values)
        self._by_year.setdefault(key, []).append((years, names, rows))
        return names, rows

    def _run(self, name: str) -> Result:
        plan = self._plan(name)
        ind = plan.indicator
        names, rows = self._rows(name, plan)
        if names != [c.name for c in ind.columns]:  # a plan out of step with its declaration
            raise CorridorError(f"indicator {name} returned columns {names}")
        if not rows and not ind.empty_is_answer:
            raise NotFound(self.missing(side=plan.shape.side))
        return Result(
            indicator=name,
            schema=ind.schema,
            title=ind.title,
            columns=tuple(c.resolve(plan.measure) for c in ind.columns),
            rows=rows,
            provenance=self.provenance(*plan.used, flow=plan.flow, measure=plan.measure),
            query=self.query_dict(plan.measure),
            notes=ind.notes + (self.thin_market_notes() if ind.market_shares else ()),
        )

    def thin_market_notes(self) -> tuple[str, ...]:
        """A note when the data holds only a few of the market's suppliers (else none)."""
        if not self.main.thin_market:
            return ()
        return (
            f"{self.main.thin_market_text(self.query.importer.name)}: shares and ranks are of "
            "what the data holds, which may be less than the whole market",
        )

    def expression(self, name: str) -> Any:
        """The indicator as an Ibis table expression on the catalog's backend, values bound.

        For Python users who compose further (join their own data, filter, aggregate) and
        execute with ``.to_pyarrow()`` / ``.to_pandas()``; it imports Ibis.
        """
        import corridor.analytics.indicators  # noqa: F401
        from corridor.analytics.plans import Params
        from corridor.analytics.registry import Frame

        plan = self._plan(name)
        backend = self.catalog.backend(self._chapters())
        frame = Frame(plan.shape, Params(plan.values, bind=True), backend=backend)
        return plan.indicator.expression(frame)

    def _chapters(self) -> tuple[str, ...]:
        return tuple(sorted({h[:2] for h in self.query.hs if h != "TOTAL"} | {"76"}))

    def query_dict(self, measure: str | None = None) -> dict[str, Any]:
        """The question as asked plus what the session decided."""
        out = self.query.as_dict()
        out.update(
            side=self.side,
            measure=measure or self.measure,
            dataset=self.main.dataset,
            level=self.level,
        )
        return out


_KIND_VINTAGE = {
    "comtrade-json": "UN Comtrade API responses retrieved",
    "comtrade-bulk": "UN Comtrade bulk files retrieved",
    "comtrade-csv": "UN Comtrade portal export loaded",
    "table": "file loaded",
    "sample": "synthetic sample generated",
}


def _vintage(c: Coverage) -> str | None:
    """A dataset's vintage: BACI's version, the API retrieval dates, or when a file was loaded."""
    if c.reconciled and "-V" in c.dataset:
        return "CEPII BACI " + " ".join(c.dataset.split("-")[1:])
    if not c.last_retrieved:
        return None
    first, last = c.first_retrieved or c.last_retrieved, c.last_retrieved
    when = f"{first:%Y-%m-%d}" + (f"…{last:%Y-%m-%d}" if last.date() != first.date() else "")
    what = " and ".join(_KIND_VINTAGE.get(k, f"{k} loaded") for k in c.kinds) or "loaded"
    unknown = " (the publisher's vintage is not recorded)" if set(c.kinds) <= {"table"} else ""
    return f"{what} {when}{unknown}"


def covered_scope(hs: tuple[str, ...], c: Coverage, level: int) -> str:
    """The HS scope the rows cover, in words: the chapter, or the headings actually present."""
    from corridor.reference.hs import chapter_headings

    parts = []
    codes = {6: c.codes6, 4: c.codes4, 2: c.codes2}.get(level, ())
    for code in hs:
        if code == "TOTAL" or len(code) >= 4 or level == 2:
            parts.append(f"HS {code}")
            continue
        present = sorted(h for h in codes if h.startswith(code))
        total = chapter_headings(code)
        if total and len(present) < total / 2:
            shown = ", ".join(present[:4]) + ("…" if len(present) > 4 else "")
            parts.append(f"HS {shown} only (of chapter {code}: the data holds no other heading)")
        elif total and len(present) < total:
            parts.append(f"HS {code} ({len(present)} of {total} headings have rows)")
        else:
            parts.append(f"HS {code}")
    return "; ".join(parts)


def open_session(query: CorridorQuery, warehouse: Any = None) -> Session:
    """Open the warehouse read-only on the query's engine and bind the question to it."""
    from corridor.store.catalog import open_catalog

    return Session(open_catalog(warehouse, engine=query.engine), query)
