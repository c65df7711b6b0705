/// One schema migration, `migrations/NNNN_name.sql` (SQLite) or `migrations/postgres/NNNN_name.sql`,
/// as compiled into the binary.
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

    /// The SQLite migrations the build embedded from `migrations/*.sql`, in order. A file whose
    /// name does not start with its version (`0001_initial.sql`) is left out, and a test says so.
    public static let all: [Migration] = embedded(prefix: "")

    /// The PostgreSQL migrations, from `migrations/postgres/*.sql`.
    public static let postgres: [Migration] = embedded(prefix: "postgres/")

    private static func embedded(prefix: String) -> [Migration] {
        embeddedResources.compactMap { file in
            guard file.name.hasPrefix(prefix), file.name.hasSuffix(".sql") else { return nil }
            let name = String(file.name.dropFirst(prefix.count))
            guard !name.contains("/"), let version = version(of: name) else { return nil }
            return Migration(version: version, name: name, sql: file.text)
        }
    }

    /// The version a file name stands for: `0001_initial.sql` is 1.
    public static func version(of name: String) -> Int? {
        let digits = name.prefix { $0.isASCII && $0.isNumber }
        guard digits.count == 4, name.dropFirst(4).first == "_", let version = Int(digits), version > 0 else { return nil }
        return version
    }
}
