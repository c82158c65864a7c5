"""The web dashboard (``corridor serve``): FastAPI pages and a JSON API over the session."""

__all__ = ["create_app"]


def create_app(*args, **kwargs):  # noqa: D103 - documented in corridor.web.app
    from corridor.web.app import create_app as create

    return create(*args, **kwargs)
