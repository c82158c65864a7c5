"""``corridor serve``: the web dashboard on the current warehouse (read-only, loopback)."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["register"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def register(app: typer.Typer) -> None:
    """Add ``corridor serve`` to the application."""

    @app.command()
    def serve(
        ctx: typer.Context,
        host: Annotated[
            str, typer.Option("--host", help="Address to bind (default loopback only).")
        ] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
        sample: Annotated[
            bool, typer.Option("--sample", help="Serve the synthetic sample warehouse.")
        ] = False,
    ) -> None:
        """The web dashboard: every corridor view in the browser, plus a JSON API (/docs).

        Pages: overview, dependency, prices, product mix, mirror, scrap, outlook, scenarios,
        claim checker, data and provenance, downloads. Read-only on the warehouse; binds to
        127.0.0.1 unless --host says otherwise.
        """
        from corridor.cli.app import warehouse_path
        from corridor.cli.output import stderr
        from corridor.errors import InvalidQuery

        if not 1 <= port <= 65535:
            raise InvalidQuery(f"port {port} outside 1-65535")
        try:
            import uvicorn

            from corridor.web.app import assets_hint, create_app
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise InvalidQuery(f"the dashboard needs {exc.name}: pip install -e .") from None
        err = stderr()
        hosts = None if host not in LOOPBACK else [*LOOPBACK, "[::1]"]
        web = create_app(warehouse_path(ctx, sample=sample), allowed_hosts=hosts)
        if hint := assets_hint():
            err.print(f"[yellow]{hint}[/]")
        if host not in LOOPBACK:
            err.print(f"[yellow]serving on {host}: reachable from other machines[/]")
        shown = f"[{host}]" if ":" in host else host
        err.print(f"corridor dashboard on http://{shown}:{port}/ (API: /docs) — Ctrl+C stops")
        uvicorn.run(web, host=host, port=port, log_level="warning", server_header=False)
