"""`/search`: communities, companies, posts and events that match a few words."""
