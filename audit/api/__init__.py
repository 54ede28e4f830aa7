"""The versioned REST API (/api/v1) and the feed for spreadsheets and BI, for integration tokens."""
