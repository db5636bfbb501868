"""machaudit: audit how ready a commerce stack is for MACH composition."""

__version__ = "0.1.0"
