"""Compatibility only: the check's code is in `components/check/` (the resource in `check/resource.py`).

A dynamic provider is pickled by reference to its module, and the state of every stack created
before the move names `components.invoke_check.InvokeCheckProvider`; the engine unpickles it on
refresh, update and delete, so this module path must keep resolving. Do not import it in new code.
"""

from components.check.resource import InvokeCheckProvider

__all__ = ["InvokeCheckProvider"]
