"""Tests of the command line: parsing, exit codes, commands in-process."""
