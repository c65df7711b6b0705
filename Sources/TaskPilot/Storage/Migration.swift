/// One schema migration, `migrations/NNNN_name.sql`, as compiled into the binary.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// FNV-1a 64-bit of the file's bytes: enough to notice an edited migration.
    public var checksum: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in sql.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The migrations the build embedded from `migrations/*.sql`, in order.
    public static let all: [Migration] = embeddedMigrations.map {
        Migration(version: $0.version, name: $0.name, sql: $0.sql)
    }
}
