"""pmcoach: an offline-first coach for the product-execution PM interview."""

__version__ = "0.1.0"

__all__ = ["__version__"]
