"""The contract model: OpenAPI documents and their x-jobmock lifecycle, read into a
typed, frozen `ApiModel`; vendor auth rules, error envelopes and progress reporters.
It imports nothing of jobmock's but `jobmock.registry` and `jobmock.exceptions`."""

from __future__ import annotations

from .bundled import bundled_names
from .model import ApiModel, load_api, load_apis, load_named, spec_path

__all__ = ["ApiModel", "bundled_names", "load_api", "load_apis", "load_named", "spec_path"]
