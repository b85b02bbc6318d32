"""The ledger: a bounded history of runs and of the stretches the watchdog stopped, and what they add up to (pure).

Money is estimated from what the runs observed, never from guesses about the time between them:

* **billed** is the integral of each namespace's burn $/h between two consecutive runs that listed it: a
  trapezoid from the burn the earlier run *left* (after its own pauses) to the burn the later run found at
  listing time. Two runs further apart than `allowance_seconds(run_every)` leave that time **unknown**
  (reported as hours, never counted as zero).
* **saved** (an estimate) is, for each stretch the watchdog paused or scaled to zero, its $/h × the known
  hours it stayed stopped: until the last run that still saw it stopped when a later run sees it billing again
  (someone resumed it, or it woke on traffic: the restart happened somewhere in between, so that last
  interval is not counted), until the run that no longer lists it when it was deleted, and until the latest
  run while it is still stopped. It assumes the endpoint would otherwise have kept billing.
* **exceptions** is the billed part of endpoints whose decision is `exempt`, or `protected` with violations.

Months are UTC calendar months. The history keeps the last `MAX_RUNS` runs; older ones are folded into
monthly totals (`MonthFold`), so the money they held is kept while the detail goes.
"""

from watchdog.core.ledger.history import (
    CHART_POINTS,
    MAX_RUNS,
    TOP_SPENDERS,
    History,
    MonthFold,
    RunRecord,
    Stretch,
    allowance_seconds,
    is_exception,
    month_label,
    month_start,
)
from watchdog.core.ledger.result import Ledger, Money, MonthLine, NamespaceMoney, RunLine, Spender, ledger
from watchdog.core.ledger.tally import record_run

__all__ = [
    "CHART_POINTS", "MAX_RUNS", "TOP_SPENDERS", "History", "Ledger", "Money", "MonthFold", "MonthLine",
    "NamespaceMoney", "RunLine", "RunRecord", "Spender", "Stretch", "allowance_seconds", "is_exception", "ledger",
    "month_label", "month_start", "record_run",
]
