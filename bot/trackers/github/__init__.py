"""GitHub: the REST + GraphQL client, pure payload parsing, and the sync connector."""
