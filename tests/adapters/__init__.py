"""Tests of the edges against loopback fakes and transports."""
