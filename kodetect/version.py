"""The package version, in a module of its own: every layer can name it without importing the public
facade (`kodetect/__init__.py`), which imports the detector and with it most of the package."""

__version__ = "0.1.0"
