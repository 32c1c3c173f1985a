"""Who may vote: ``ARENA_ACCESS`` = open (a voter cookie anyone can mint), invite (signed
invite links, each opening a session) or sso (OpenID Connect sign-in).

In invite and sso mode the voter is the *session's* identity, never a cookie a client can
mint: the voter key everywhere (battles, votes, caps, detection) is the identity's key —
an invite's opening gets a random one, a sign-in the keyed hash of issuer and subject, so
the same person on two devices is one voter and no e-mail is ever stored. Every state
(invites, their uses, sessions) is in the database, so any number of workers agree.
"""

from arena.access.keys import AccessKeys
from arena.access.store import AccessStore, Invite, InviteProblem, SessionVoter

__all__ = ["AccessKeys", "AccessStore", "Invite", "InviteProblem", "SessionVoter"]
