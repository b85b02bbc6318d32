"""hf-endpoint-watchdog: finds, measures and pauses forgotten Hugging Face Inference Endpoints."""

__version__ = "0.1.0"
