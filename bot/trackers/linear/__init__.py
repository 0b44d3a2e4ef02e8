"""Linear: the GraphQL client, pure payload parsing, the windowed sync connector, claims."""
