"""The fake's hardware catalog: vendors, regions and computes with public per-replica-hour prices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Compute:
    """One deployable instance, as `GET /v2/provider/{ns}` lists it (prices in USD per replica-hour)."""

    vendor: str
    region: str
    instance_type: str  # e.g. "nvidia-a10g"
    instance_size: str  # e.g. "x1"
    accelerator: str  # cpu | gpu | neuron
    num_accelerators: int
    num_cpus: int | None  # the API omits it for CPU computes
    memory_gb: float
    gpu_memory_gb: int | None  # total per replica; null for CPU
    architecture: str
    price_per_hour: float
    status: str = "available"  # available | low_availability | not_available | reserved | deprecated
    max_accelerators: int = 16

    @property
    def id(self) -> str:
        """The compute id endpoints carry in `compute.id`, e.g. `aws-us-east-1-nvidia-a10g-x1`."""
        return f"{self.vendor}-{self.region}-{self.instance_type}-{self.instance_size}"


REGION_LABELS = {
    ("aws", "us-east-1"): "N. Virginia",
    ("aws", "eu-west-1"): "Ireland",
    ("gcp", "us-east4"): "Virginia",
    ("azure", "eastus"): "East US",
}

# Per-GPU memory, used to derive `gpuMemoryGb` (total per replica, as huggingface_hub's docstring says).
_GPU_MEMORY = {"nvidia-t4": 16, "nvidia-l4": 24, "nvidia-a10g": 24, "nvidia-l40s": 48, "nvidia-a100": 80,
               "nvidia-h100": 80, "nvidia-h200": 141, "inf2": 32}
_ARCHITECTURE = {"intel-spr": "Intel Sapphire Rapids", "intel-xeon": "Intel Xeon", "nvidia-t4": "NVIDIA T4",
                 "nvidia-l4": "NVIDIA L4", "nvidia-a10g": "NVIDIA A10G", "nvidia-l40s": "NVIDIA L40S",
                 "nvidia-a100": "NVIDIA A100", "nvidia-h100": "NVIDIA H100", "nvidia-h200": "NVIDIA H200",
                 "inf2": "AWS Inferentia2"}
# (vCPUs, memory GB) per accelerator count: plausible cloud shapes, not contractual.
_SHAPES = {
    "nvidia-t4": {1: (4, 14.0), 4: (48, 186.0)},
    "nvidia-l4": {1: (7, 30.0), 4: (47, 178.0)},
    "nvidia-a10g": {1: (6, 26.0), 4: (46, 178.0)},
    "nvidia-l40s": {1: (8, 62.0), 4: (48, 382.0), 8: (192, 1534.0)},
    "nvidia-a100": {1: (11, 142.0), 2: (24, 284.0), 4: (48, 568.0), 8: (96, 680.0)},
    "nvidia-h100": {1: (23, 240.0), 8: (184, 1920.0)},
    "nvidia-h200": {1: (23, 256.0), 8: (184, 2048.0)},
    "inf2": {1: (4, 15.0), 12: (192, 718.0)},
}
_CPU_MEMORY = {1: 2.0, 2: 4.0, 4: 8.0, 8: 16.0, 16: 32.0}

# Public pricing page, USD per replica-hour, billed per minute. `None` = not offered there.
# (instance_type, {size: price}, status) per (vendor, region).
_PRICES: dict[tuple[str, str], list[tuple[str, dict[str, float], str]]] = {
    ("aws", "us-east-1"): [
        ("intel-spr", {"x1": 0.033, "x2": 0.067, "x4": 0.134, "x8": 0.268, "x16": 0.536}, "available"),
        ("nvidia-t4", {"x1": 0.5, "x4": 3.0}, "available"),
        ("nvidia-l4", {"x1": 0.8, "x4": 3.8}, "available"),
        ("nvidia-a10g", {"x1": 1.0, "x4": 5.0}, "available"),
        ("nvidia-l40s", {"x1": 1.8, "x4": 8.3, "x8": 23.5}, "available"),
        ("nvidia-a100", {"x1": 2.5, "x2": 5.0, "x4": 10.0, "x8": 20.0}, "available"),
        # H100 on AWS is deprecated for new endpoints from Dec 2025; existing ones keep billing.
        ("nvidia-h100", {"x1": 4.5, "x8": 36.0}, "deprecated"),
        ("nvidia-h200", {"x1": 5.0, "x8": 40.0}, "low_availability"),
        ("inf2", {"x1": 0.75, "x12": 12.0}, "available"),
    ],
    # eu-west-1 only offers T4 and A10G GPUs (2026 observation).
    ("aws", "eu-west-1"): [
        ("intel-spr", {"x1": 0.033, "x2": 0.067, "x4": 0.134, "x8": 0.268}, "available"),
        ("nvidia-t4", {"x1": 0.5, "x4": 3.0}, "available"),
        ("nvidia-a10g", {"x1": 1.0, "x4": 5.0}, "available"),
    ],
    ("gcp", "us-east4"): [
        ("intel-spr", {"x1": 0.05, "x2": 0.1, "x4": 0.2, "x8": 0.4}, "available"),
        ("nvidia-t4", {"x1": 0.5}, "available"),
        ("nvidia-l4", {"x1": 0.7, "x4": 3.8}, "available"),
        ("nvidia-a100", {"x1": 3.6, "x2": 7.2, "x4": 14.4, "x8": 28.8}, "available"),
        ("nvidia-h100", {"x1": 10.0, "x8": 80.0}, "deprecated"),
    ],
    ("azure", "eastus"): [
        ("intel-xeon", {"x1": 0.06, "x2": 0.12, "x4": 0.24, "x8": 0.48}, "available"),
    ],
}


def _build_catalog() -> tuple[Compute, ...]:
    computes: list[Compute] = []
    for (vendor, region), rows in _PRICES.items():
        for instance_type, prices, status in rows:
            for size, price in prices.items():
                count = int(size[1:])
                if instance_type.startswith("intel-"):
                    computes.append(Compute(
                        vendor, region, instance_type, size, "cpu", count, None, _CPU_MEMORY[count], None,
                        _ARCHITECTURE[instance_type], price, status, max_accelerators=64))
                    continue
                cpus, memory = _SHAPES[instance_type][count]
                computes.append(Compute(
                    vendor, region, instance_type, size, "neuron" if instance_type == "inf2" else "gpu", count,
                    cpus, memory, _GPU_MEMORY[instance_type] * count, _ARCHITECTURE[instance_type], price,
                    # The GCP A100 x8 is shown as reserved in huggingface_hub's own provider mock.
                    "reserved" if (vendor, instance_type, count) == ("gcp", "nvidia-a100", 8) else status,
                    max_accelerators=16))
    return tuple(computes)


CATALOG: tuple[Compute, ...] = _build_catalog()
COMPUTES_BY_ID: dict[str, Compute] = {c.id: c for c in CATALOG}


def compute_by_id(compute_id: str) -> Compute:
    """Look a compute id up in the catalog; KeyError names a few valid ids when it is unknown."""
    try:
        return COMPUTES_BY_ID[compute_id]
    except KeyError:
        examples = ", ".join(sorted(COMPUTES_BY_ID)[:4])
        raise KeyError(f"unknown instance {compute_id!r} (the fake's catalog has e.g. {examples}, ...)") from None


def provider_payload(used_accelerators: Mapping[str, int]) -> dict[str, Any]:
    """`GET /v2/provider/{ns}`: vendors > regions > computes, with the namespace's quota use per compute id."""
    vendors: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for compute in CATALOG:
        entry: dict[str, Any] = {
            "id": compute.id, "accelerator": compute.accelerator, "numAccelerators": compute.num_accelerators,
            "memoryGb": compute.memory_gb, "gpuMemoryGb": compute.gpu_memory_gb,
            "instanceType": compute.instance_type, "instanceSize": compute.instance_size,
            "architecture": compute.architecture, "status": compute.status, "pricePerHour": compute.price_per_hour,
            "quota": {"maxAccelerators": compute.max_accelerators,
                      "usedAccelerators": used_accelerators.get(compute.id, 0)},
        }
        if compute.num_cpus is not None:  # absent for CPU computes, as in huggingface_hub's own mock
            entry["numCpus"] = compute.num_cpus
        vendors.setdefault(compute.vendor, {}).setdefault(compute.region, []).append(entry)
    return {"vendors": [
        {"name": vendor, "status": "available", "regions": [
            {"name": region, "label": REGION_LABELS[(vendor, region)], "status": "available", "computes": computes}
            for region, computes in regions.items()]}
        for vendor, regions in vendors.items()]}
