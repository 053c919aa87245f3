#!/usr/bin/python3
"""tests/scan/wapiti.py: runs Debian bookworm's wapiti (3.0.4) with one fix.

Its exclusion patterns (-x URL) compile to a regular expression that ends in
the flags "(?ms)", which Python 3.11 refuses ("global flags not at the start
of the expression"): any -x makes wapiti crash before it starts. Later wapiti
releases put the flags first; this does the same, then runs wapiti as is.
"""
import re
import sys

import wapitiCore.net.crawler as crawler


def wildcard_translate(pattern):
    """A wildcard pattern (only * is special) as a regular expression."""
    res = "".join(".*" if char == "*" else re.escape(char) for char in pattern)
    return re.compile(r"(?ms)" + res + r"\Z")


crawler.wildcard_translate = wildcard_translate

from wapitiCore.main.wapiti import wapiti_main  # noqa: E402

sys.argv[0] = "wapiti"
sys.exit(wapiti_main())
