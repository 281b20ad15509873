"""The bottom layer: domain errors, ids, tenant scoping, lock keys, shared enums and the
web plumbing every app uses (API errors, client address, throttles, parsers). It imports
no app of the project; every app may import it (see .importlinter)."""
