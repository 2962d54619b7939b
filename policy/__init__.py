"""The policy pack (run as `pulumi preview --policy-pack policy`; its program is `__main__.py`)."""
