"""The service's rules, independent of HTTP: keys, secrets, projects, access."""
