"""Shared parts of the reliability suites (bench/chaos.py, bench/soak.py; docs/reliability.md):
the loopback receiver process, the RecruitIQ processes they start, kill and watch, and the
chaos run's checks."""
