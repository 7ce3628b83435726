"""`kodetect serve`: the HTTP API and web page around one shared Detector."""

from kodetect.serve.app import ServerSettings, create_app

__all__ = ["ServerSettings", "create_app"]
