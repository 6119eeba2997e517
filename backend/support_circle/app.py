"""Builds the application: API routers, error handlers, security headers and the PWA."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from support_circle import __version__
from support_circle.api import api_router, health_router
from support_circle.api.events import read_members
from support_circle.db import create_db_engine
from support_circle.errors import install_error_handlers
from support_circle.events import EventService, StreamLimits
from support_circle.explainer import router as explainer_router
from support_circle.limits import AnonymousLimiter, BodySizeLimit, TokenBuckets
from support_circle.metrics import install_metrics
from support_circle.migrate import upgrade_to_head
from support_circle.pipelines import Pipelines
from support_circle.security_headers import SecurityHeadersMiddleware
from support_circle.settings import Settings, get_settings
from support_circle.static import pwa_app
from support_circle.token_cache import SignInCache


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_db_engine(settings.sqlalchemy_url)
        if settings.migrate_on_start:
            upgrade_to_head(engine)
        app.state.engine = engine
        pipelines = Pipelines(engine, settings.push_connections) if engine.dialect.name == "postgresql" else None
        if pipelines is not None:
            await pipelines.open()
        app.state.pipelines = pipelines
        sign_ins = SignInCache.for_engine(engine, settings.token_cache_seconds, settings.token_cache_entries)
        app.state.sign_ins = sign_ins
        limits = StreamLimits(
            settings.events_max_streams, settings.events_max_streams_per_circle, settings.events_max_streams_total
        )
        app.state.events = EventService(
            engine, settings.sqlalchemy_url, limits, partial(read_members, engine), processes=settings.workers
        )
        await app.state.events.start()
        try:
            yield
        finally:
            await app.state.events.stop()
            await sign_ins.close()
            if pipelines is not None:
                await pipelines.close()
            engine.dispose()

    app = FastAPI(
        title="Support Circle sync service",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # Swagger UI loads from a CDN; the schema is at /v1/openapi.json
        redoc_url=None,
        openapi_url="/v1/openapi.json",
    )
    app.state.settings = settings
    app.state.rate_limiter = TokenBuckets(settings.rate_limit_per_minute, settings.rate_limit_keys)
    app.state.anonymous_limiter = AnonymousLimiter(
        settings.anonymous_rate_per_minute, settings.registrations_per_minute, settings.rate_limit_keys
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware, trust_proxy_headers=settings.trust_proxy_headers)
    if settings.metrics_enabled:
        # Outermost: it also counts what the inner middleware refuses.
        install_metrics(app, settings.prometheus_multiproc_dir)
    app.include_router(health_router)
    app.include_router(api_router)
    app.include_router(explainer_router)
    # The PWA answers only what no route matched, so a wrong method on an API route stays a 405.
    app.router.default = pwa_app(settings.static_dir)
    return app
