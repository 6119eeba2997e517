"""Routers, one per resource, joined here."""

from fastapi import APIRouter

from support_circle.api import auth, changes, circles, devices, events, health, invites, server

health_router = health.router

api_router = APIRouter(prefix="/v1")
api_router.include_router(server.router)
api_router.include_router(devices.router)
api_router.include_router(auth.router)
api_router.include_router(circles.router)
api_router.include_router(changes.router)
api_router.include_router(invites.router)
api_router.include_router(events.router)
