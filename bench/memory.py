"""Resident memory of the benchmark's own process, read from Linux's /proc/self/status (0 elsewhere)."""

from __future__ import annotations


def status_mb(field: str) -> float:
    """A memory field of /proc/self/status (VmRSS: now, VmHWM: highest so far) in MB; 0 where unreadable."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    return 0.0


def rss_mb() -> float:
    """Resident memory now, in MB."""
    return status_mb("VmRSS")
