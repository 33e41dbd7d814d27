"""Fixtures of the country-team tests live in the test modules; this file makes the folder a test package."""
