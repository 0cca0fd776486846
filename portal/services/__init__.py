"""Use cases as plain functions. Each takes a session and explicit arguments, checks the business rules,
writes, commits, and raises a DomainError (with a message for the user) when a rule is broken."""
