"""Pilots: simulated participants interviewed through the real engine, and the report on them."""
