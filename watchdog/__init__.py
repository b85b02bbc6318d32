"""hf-endpoint-watchdog: finds, measures and pauses forgotten Hugging Face Inference Endpoints."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "endpoint_session"]


def __getattr__(name: str) -> Any:
    # `from watchdog import endpoint_session` without importing huggingface_hub for every `import watchdog`.
    if name == "endpoint_session":
        from watchdog.operations.lifecycle import endpoint_session

        return endpoint_session
    raise AttributeError(f"module 'watchdog' has no attribute {name!r}")
