"""`max_replicas: N` — the autoscaling ceiling (`compute.scaling.maxReplica`) an endpoint's configuration may have."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from watchdog.core.model import ConfigFix, EndpointSnapshot
from watchdog.core.rules.base import CheckResult, LimitCheck, Validator, Where
from watchdog.core.rules.general import ActionSetting

if TYPE_CHECKING:
    from watchdog.core.policy.model import Effective
    from watchdog.core.policy.yaml_nodes import Entry


class MaxReplicas(LimitCheck):
    key = "max_replicas"
    clearable = True
    billable_only = False

    def parse(self, entry: Entry, v: Validator, where: Where) -> Any:
        return v.integer(entry, where.scope, 1)

    def check(self, snapshot: EndpointSnapshot, settings: Effective, now: datetime) -> CheckResult:
        ceiling: int | None = settings[self.key]
        if ceiling is None or (snapshot.max_replicas is not None and snapshot.max_replicas <= ceiling):
            return CheckResult()
        if snapshot.max_replicas is None:
            return self.config_unknown(snapshot, "maxReplica", str(ceiling))
        reason = f"autoscaling up to {snapshot.max_replicas} replicas > {self.key} {ceiling} {settings.where}"
        # The API refuses minReplica > maxReplica: a minimum above the new ceiling comes down with it.
        fix = ConfigFix(max_replica=ceiling, min_replica=ceiling if (snapshot.min_replicas or 0) > ceiling else None)
        finding = self.finding(str(ceiling), str(snapshot.max_replicas), reason,
                               ActionSetting.for_config(snapshot, settings), fix)
        return CheckResult(violations=(finding,))
