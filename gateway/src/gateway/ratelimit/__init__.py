"""Rate limits: token buckets per IP and per subject."""
