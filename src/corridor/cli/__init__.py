"""Command-line interface (Typer + Rich); thin: parse, call a service, render."""
