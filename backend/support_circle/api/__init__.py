"""Routers, one per resource, joined here."""

from fastapi import APIRouter

from support_circle.api import health, server

health_router = health.router

api_router = APIRouter(prefix="/v1")
api_router.include_router(server.router)
