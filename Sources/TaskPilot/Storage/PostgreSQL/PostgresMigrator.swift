import Foundation
import PostgresNIO

/// Applies `Migration.postgres` as `Migrator` applies the SQLite ones, each in its own
/// transaction with its checksum recorded, under an advisory lock: replicas starting together
/// migrate once, the others wait and then find the schema current.
struct PostgresMigrator {
    let migrations: [Migration]

    init(migrations: [Migration] = Migration.postgres) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Any fixed number; it names TaskPilot's migration lock among the database's advisory locks.
    static let lockKey: Int64 = 0x7461_736B_7069_6C6F

    /// Returns the versions applied now (empty when the schema was current).
    func migrate(_ store: PostgresStore) async throws -> [Int] {
        try await store.write(bounded: false) { connection in
            try await connection.run("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
            try await connection.run("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version     integer PRIMARY KEY,
                    name        text NOT NULL,
                    checksum    text NOT NULL,
                    applied_at  text NOT NULL DEFAULT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                )
                """)
            var applied: [(version: Int, name: String, checksum: String)] = []
            for try await (version, name, checksum) in try await connection.query(
                "SELECT version, name, checksum FROM schema_migrations ORDER BY version", logger: connection.logger
            ).decode((Int, String, String).self) {
                applied.append((version, name, checksum))
            }
            var newlyApplied: [Int] = []
            // All pending migrations in this one transaction: PostgreSQL's DDL is transactional, so
            // a failing one leaves the schema as it was.
            for migration in try Migrator.pending(migrations, applied: applied) {
                for statement in Self.statements(migration.sql) {
                    try await connection.run(PostgresQuery(unsafeSQL: statement))
                }
                try await connection.run(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (\(migration.version), \(migration.name), \(migration.checksum))",
                    logger: connection.logger
                )
                newlyApplied.append(migration.version)
            }
            return newlyApplied
        }
    }

    /// A migration file's statements, one query each: postgres-nio sends every query as a
    /// prepared statement, which holds one. Splits at `;` outside quotes, `$$` bodies and `--` comments.
    static func statements(_ sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var characters = sql[...]
        while let character = characters.popFirst() {
            switch character {
            case "-" where characters.first == "-":
                characters = characters.drop { $0 != "\n" }
            case "'":
                let quoted = characters.prefix { $0 != "'" }
                current += "'" + quoted + "'"
                characters = characters.dropFirst(quoted.count + 1)
            case "$" where characters.first == "$":
                characters = characters.dropFirst()
                guard let end = characters.firstRange(of: "$$") else {
                    current += "$$" + characters
                    characters = characters.suffix(0)
                    continue
                }
                current += "$$" + characters[..<end.lowerBound] + "$$"
                characters = characters[end.upperBound...]
            case ";":
                statements.append(current)
                current = ""
            default:
                current.append(character)
            }
        }
        statements.append(current)
        return statements.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    /// The versions the database has, for readiness.
    func applied(_ store: PostgresStore) async throws -> [Int] {
        try await store.read { connection in
            var versions: [Int] = []
            for try await version in try await connection.query(
                "SELECT version FROM schema_migrations ORDER BY version", logger: connection.logger
            ).decode(Int.self) {
                versions.append(version)
            }
            return versions
        }
    }
}
