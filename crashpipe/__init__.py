"""crashpipe: batch processor for Linux kernel crash archives."""

__version__ = "0.1.0"
