"""GitLab (gitlab.com or self-managed) on the sync engine, over REST API v4."""
