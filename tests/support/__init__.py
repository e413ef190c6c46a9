"""Test helpers that are not fixtures: real servers and builders shared by the test suites."""
