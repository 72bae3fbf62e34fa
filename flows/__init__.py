"""Thin Prefect flows that schedule the tracker's own functions."""
