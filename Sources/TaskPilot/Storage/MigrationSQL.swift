/// The SQL of the migration bookkeeping table.
enum MigrationSQL {
    static let createTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version     INTEGER PRIMARY KEY,
            name        TEXT NOT NULL,
            checksum    TEXT NOT NULL,
            applied_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        ) STRICT
        """

    static let selectApplied = "SELECT version, name, checksum FROM schema_migrations ORDER BY version"

    static let insert = "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)"
}
