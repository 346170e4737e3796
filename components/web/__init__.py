"""What a hosted page needs around the app: security headers and auth, and the data grids."""
