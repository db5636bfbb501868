"""machaudit: audit how ready a commerce stack is for MACH composition."""

__version__ = "0.1.0"


def __getattr__(name):
    # The library API, imported when first asked for: `machaudit --version` stays quick.
    if name == "run_audit":
        from machaudit.audit import run_audit

        return run_audit
    raise AttributeError(f"module 'machaudit' has no attribute {name!r}")


__all__ = ["run_audit", "__version__"]
