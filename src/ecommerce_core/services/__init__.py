"""The use cases: each takes the acting principal, checks permission, and commits or changes nothing."""
