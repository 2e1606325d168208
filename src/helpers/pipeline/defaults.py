"""The pipeline's defaults, in a module that imports nothing (the command line reads them at start)."""

__all__ = ["DEFAULT_SEED", "FORMATS", "CACHE_FOLDER"]

DEFAULT_SEED = 20190222
FORMATS = ("html", "pdf")
CACHE_FOLDER = ".jupyter_cache"
