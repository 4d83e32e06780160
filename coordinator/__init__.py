"""Interview Coordinator: schedule further rounds, assess candidates, narrow the shortlist."""

from __future__ import annotations

import gc
from typing import Any

from flask import Flask

from coordinator import config as config_module


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, error handlers, CLI."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="static",
    )
    config_module.load(app, config)

    from coordinator.web import StoredIdConverter

    app.url_map.converters["int"] = StoredIdConverter  # before any rule is added

    from coordinator.db import configure_engine_events
    from coordinator.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        configure_engine_events(db.engine)
    migrate.init_app(
        app,
        db,
        directory=str(app.root_path + "/../migrations"),
        compare_type=True,
        render_as_batch=True,
    )
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(identity: str) -> Any:
        """The session cookie's (or remember-me cookie's) user, if that sign-in is still live."""
        from flask import g

        from coordinator.accounts import sessions

        found = sessions.find(identity)
        if found is None:
            return None
        user, user_session = found
        g.user_session = user_session
        if sessions.touch(user_session, idle_lifetime=app.permanent_session_lifetime):
            # Safe to commit: the user is loaded before the request changes anything (see
            # accounts.views.load_signed_in_user), so only this row's activity is written.
            db.session.commit()
        return user

    _register_domains()
    _register_blueprints(app)

    from coordinator import web

    web.init_app(app)

    from coordinator.cli import register as register_cli

    register_cli(app)

    from coordinator.db import end_read_only_transaction

    @app.teardown_appcontext
    def _rollback_uncommitted(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()
        else:
            end_read_only_transaction(db.session())

    _freeze_startup_objects()
    return app


_startup_frozen = False


def _freeze_startup_objects() -> None:
    """Once per process, move what starting up made (modules, classes, metadata, compiled
    templates: some 150,000 objects the cycle collector would otherwise walk on every full
    collection) out of the collector's sight. A request that builds many objects, such as a
    shortlist cache miss, triggers a full collection every few requests; walking the startup
    objects made those pauses about 100 ms. Later apps in the same process (tests) freeze
    nothing more, so no garbage of theirs is kept."""
    global _startup_frozen
    if _startup_frozen:
        return
    _startup_frozen = True
    gc.collect()
    gc.freeze()


def _register_domains() -> None:
    """Import every model module (complete metadata for Alembic) and connect the domains.

    Lower domains offer extension points that higher ones fill, so imports keep pointing down:
    scheduling tells candidates that panel members may see a candidacy, and tells jobs when a
    planned round is in use.
    """
    import coordinator.accounts.models
    import coordinator.assessments.models
    import coordinator.audit.models
    import coordinator.candidates.models
    import coordinator.compensation.models
    import coordinator.invites.models
    import coordinator.jobs.models
    import coordinator.mail.models
    import coordinator.message_templates.models
    import coordinator.shortlist.models
    import coordinator.webhooks.models  # noqa: F401
    from coordinator.assessments import operations as assessment_operations
    from coordinator.assessments import todos as assessment_todos
    from coordinator.compensation import operations as compensation_operations
    from coordinator.compensation import todos as compensation_todos
    from coordinator.invites import receivers as invite_receivers
    from coordinator.invites import responses
    from coordinator.invites import todos as invite_todos
    from coordinator.scheduling import operations as scheduling_operations
    from coordinator.scheduling import permissions as scheduling_permissions
    from coordinator.scheduling import todos as scheduling_todos
    from coordinator.shortlist import cache as shortlist_cache
    from coordinator.shortlist import todos as shortlist_todos
    from coordinator.webhooks import receivers as webhook_receivers

    scheduling_permissions.register()
    scheduling_operations.register()
    assessment_operations.register()
    responses.register()
    invite_receivers.register()
    webhook_receivers.register()
    shortlist_cache.register()
    for todos in (
        scheduling_todos,
        assessment_todos,
        compensation_todos,
        invite_todos,
        shortlist_todos,
    ):
        todos.register()
    if compensation_operations.on_round_opened not in scheduling_operations.ROUND_OPENED:
        scheduling_operations.ROUND_OPENED.append(compensation_operations.on_round_opened)


def _register_blueprints(app: Flask) -> None:
    from coordinator.accounts.views import bp as accounts_bp
    from coordinator.admin.views import bp as admin_bp
    from coordinator.api import bp as api_bp
    from coordinator.assessments.views import bp as assessments_bp
    from coordinator.candidates.views import bp as candidates_bp
    from coordinator.compensation.views import bp as compensation_bp
    from coordinator.dashboard.views import bp as dashboard_bp
    from coordinator.health.views import bp as health_bp
    from coordinator.invites.views import bp as feeds_bp
    from coordinator.jobs.views import bp as jobs_bp
    from coordinator.message_templates.views import bp as message_templates_bp
    from coordinator.pipeline.views import bp as pipeline_bp
    from coordinator.portal.views import bp as portal_bp
    from coordinator.scheduling.views import bp as scheduling_bp
    from coordinator.shortlist.views import bp as shortlist_bp

    app.register_blueprint(dashboard_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(candidates_bp)
    app.register_blueprint(compensation_bp)
    app.register_blueprint(scheduling_bp)
    app.register_blueprint(shortlist_bp)
    app.register_blueprint(assessments_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(message_templates_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(pipeline_bp)


__all__ = ["create_app"]
