"""Tutti inside a host portal: API keys, single-use embed links and framing origins, the portal's people."""
