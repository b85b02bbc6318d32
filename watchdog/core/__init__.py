"""The pure core: policy, rules, measuring, evaluation, events and rendering. No I/O, no clock, no environment."""
