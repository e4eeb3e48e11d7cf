"""A local console that runs the real bot against an in-process Slack workspace (no Slack needed)."""
