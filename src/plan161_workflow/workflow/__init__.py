"""The task lifecycle: its definition (pure data) and the shared state machine."""
