import SQLiteDB

/// Why start-up refused the database's schema; `description` is the one line an operator sees.
public enum MigrationError: Error, Equatable, CustomStringConvertible {
    case changed(name: String, appliedChecksum: String, binaryChecksum: String)
    case newerThanBinary(version: Int, name: String)

    public var description: String {
        switch self {
        case let .changed(name, applied, binary):
            "migration \(name) was changed after it was applied (database checksum \(applied), this binary \(binary)); restore the original file"
        case let .newerThanBinary(version, name):
            "the database has migration \(version) (\(name)), which this binary does not know; run a newer TaskPilot"
        }
    }
}

/// Applies migrations in order, each in its own transaction, and records each with its checksum.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(migrations: [Migration] = Migration.all) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Checks what the database already has, then applies what is missing.
    /// Returns the versions applied now (empty when the schema was current).
    @discardableResult
    public func migrate(_ connection: Connection) throws -> [Int] {
        try connection.execute(MigrationSQL.createTable)
        let applied = try connection.query(MigrationSQL.selectApplied) { row in
            (version: row.int(0), name: row.string(1), checksum: row.string(2))
        }
        var newlyApplied: [Int] = []
        for migration in try Self.pending(migrations, applied: applied) {
            try connection.transaction {
                try connection.execute(migration.sql)
                try connection.run(MigrationSQL.insert, migration.version, migration.name, migration.checksum)
            }
            newlyApplied.append(migration.version)
        }
        return newlyApplied
    }

    /// The migrations the database does not have yet, once every one it has is checked against
    /// this binary's: a changed one or one this binary does not know throws `MigrationError`.
    static func pending(_ migrations: [Migration], applied: [(version: Int, name: String, checksum: String)]) throws -> [Migration] {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for record in applied {
            guard let migration = known[record.version] else {
                throw MigrationError.newerThanBinary(version: record.version, name: record.name)
            }
            guard migration.checksum == record.checksum else {
                throw MigrationError.changed(name: migration.name, appliedChecksum: record.checksum, binaryChecksum: migration.checksum)
            }
        }
        let appliedVersions = Set(applied.map(\.version))
        return migrations.filter { !appliedVersions.contains($0.version) }
    }
}
