"""The read side: what Kring shows of a circle, from the database, without changing anything.

Pages, exports, the live meeting state and search read through here. Nothing
in this package imports an action (circle/actions.py and the modules of
actions); a test keeps it so (tests/test_structure.py). How a round may be
seen right now is decided once, in `rounds.py`.
"""
