"""Defences against rigged votes: cost per identity (caps, proof-of-work, a human check),
detection of voters and addresses whose votes contradict the board, and the influence of
each group on the ratings. Each module is self-contained with a small interface, so the
vote path, the routes and the ranking call it without knowing how it works."""
