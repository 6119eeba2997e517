"""Circle steps the Python tests share."""

from support_circle.client import invites as client_invites
from support_circle.client.circle import CircleReplica
from support_circle.client.device import Device


def join_by_invite(circle: CircleReplica, joiner: Device, *, shared: bool = False) -> CircleReplica:
    """`joiner` asks to join `circle` through a new invite link, the admin approves, and the
    joiner's replica of the circle is returned (as a shared circle's when `shared`)."""
    secret = client_invites.create_invite(circle)
    invite, request_id = client_invites.request_to_join(joiner, secret)
    [pending] = client_invites.pending_requests(circle, secret)
    circle.approve(request_id, pending["request"])
    return joiner.join_circle(invite.circle_id, invite.genesis_hash, shared=shared)
