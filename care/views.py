"""Thin views over care.services."""
