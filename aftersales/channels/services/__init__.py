"""Writes of the channels app: call events, inbound SMS, portal chat, the number directory and
the webhook ledger. A package of modules; callers import from the module they need."""
