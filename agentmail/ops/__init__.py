"""Operator tooling: doctor and friends."""
