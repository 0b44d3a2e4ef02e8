"""The functional core: pure domain logic.

Nothing here performs I/O, reads the clock or the environment: `now` is always a parameter.
`tests/core/test_purity.py` enforces this by parsing every module.
"""
