"""Routers, one per resource, joined here."""

from fastapi import APIRouter

from support_circle.api import auth, changes, circles, devices, events, health, invites, recovery, server, unlinked
from support_circle.errors import documented

health_router = health.router

# Any route may find a body unreadable, too large or malformed; a signed-in device's routes may
# also find its token expired or its rate spent. Declared here so the schema says so everywhere.
api_router = APIRouter(prefix="/v1", responses=documented(400, 413, 422))
SIGNED_IN = documented(401, 429)
# A request is matched against the routes in this order, one by one: a push, a pull and the
# circle's counters, asked at every sync, come first.
api_router.include_router(changes.router, responses=SIGNED_IN)
api_router.include_router(circles.router, responses=SIGNED_IN)
api_router.include_router(server.router)
api_router.include_router(devices.router)
api_router.include_router(auth.router)
api_router.include_router(invites.router, responses=SIGNED_IN)
api_router.include_router(unlinked.router, responses=SIGNED_IN)
api_router.include_router(events.router)
# Signed in to store and delete (documented per route); a new device reads without a token.
api_router.include_router(recovery.router)
