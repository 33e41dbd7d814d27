"""The self-assessment platform: a Flask application built by `create_app`."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from . import config as config_module
from .config import resource

__all__ = ["create_app"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, database and migrations, catalogue, blueprints."""
    app = Flask(
        __name__,
        template_folder=str(resource("templates")),
        static_folder=str(resource("static")),
        instance_relative_config=True,
    )
    app.config.update(config_module.defaults(app.instance_path))
    app.config.update(config_module.from_environment())
    if config:
        app.config.update(config)
    config_module.check(app.config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)

    from . import auth, catalogue_store, db, i18n, mail, security, views

    db.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    mail.init_app(app)
    catalogue_store.init_app(app)
    views.init_app(app)
    return app
