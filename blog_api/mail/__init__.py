"""mail domain: outgoing mail, queued after commit and sent by a background consumer."""
