"""Invites: one recipient's calendar invitation for one interview, sent by mail (iMIP)."""
