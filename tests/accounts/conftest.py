"""Fixtures of the account tests live in the test modules; this file makes the folder a test package."""
