"""SQLite storage through sqlite-utils: schema, migrations, the hash chain, reads and writes."""
