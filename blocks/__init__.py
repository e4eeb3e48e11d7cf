"""Block Kit, by surface: modals, channel posts, DMs, command replies, the App Home, the digest."""
