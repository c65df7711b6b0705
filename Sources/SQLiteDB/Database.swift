import CSQLite
import Foundation
import NIOConcurrencyHelpers
import NIOPosix

/// A SQLite database file opened for a server: one writer connection and a few WAL readers.
///
/// SQLite calls block, so none of them runs on Swift's cooperative pool: writes run on a
/// one-thread pool (which also serializes them), reads on a pool of reader threads, each
/// with its own read-only connection. In WAL mode readers never wait behind the writer.
public final class Database: Sendable {
    public struct Options: Sendable {
        public var readerCount: Int
        public var busyTimeoutMilliseconds: Int

        public init(readerCount: Int = 4, busyTimeoutMilliseconds: Int = 5000) {
            self.readerCount = readerCount
            self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        }
    }

    public let path: String
    private let writer: Connection
    private let writerThread: NIOThreadPool
    /// Writes waiting for the next group commit.
    private let pendingWrites = NIOLockedValueBox<[PendingWrite]>([])
    private let readers: NIOLockedValueBox<[Connection]>
    private let readerThreads: NIOThreadPool
    private let openState = NIOLockedValueBox(true)

    /// True from a successful open until `close()`.
    public var isOpen: Bool { openState.withLockedValue { $0 } }

    /// Opens `path`, creating its folder (and the file, mode 0600) when missing,
    /// and switches it to WAL with `synchronous=FULL` and foreign keys on.
    public init(path: String, options: Options = Options()) throws {
        self.path = path
        try Self.createFileIfMissing(path)
        let writer = try Connection(path: path)
        try Self.configure(writer, options: options)
        let mode = try writer.queryFirst("PRAGMA journal_mode=WAL") { $0.string(0) }
        guard mode?.lowercased() == "wal" else {
            throw SQLiteError(code: SQLITE_ERROR, message: "could not switch \(path) to WAL (journal_mode is \(mode ?? "unknown"))")
        }
        try writer.execute("PRAGMA synchronous=FULL")

        var readers: [Connection] = []
        for _ in 0..<max(1, options.readerCount) {
            let reader = try Connection(path: path, mode: .readOnly)
            try Self.configure(reader, options: options)
            readers.append(reader)
        }
        self.writer = writer
        self.readers = NIOLockedValueBox(readers)
        self.writerThread = NIOThreadPool(numberOfThreads: 1)
        self.readerThreads = NIOThreadPool(numberOfThreads: readers.count)
        writerThread.start()
        readerThreads.start()
    }

    /// Runs `body` on the writer connection, atomically, and answers once it is durable.
    ///
    /// Writes are group-committed: every write queued while the previous commit was being
    /// written goes into one transaction with one fsync, each in a savepoint of its own so that
    /// one failing write fails alone. `body` must not begin or end transactions itself.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let write = PendingWrite(body, continuation: continuation)
            let startsGroup = pendingWrites.withLockedValue { queue in
                queue.append(write)
                return queue.count == 1
            }
            guard startsGroup else { return }
            let writer = self.writer
            let pendingWrites = self.pendingWrites
            writerThread.submit { state in
                let batch = pendingWrites.withLockedValue { queue in
                    defer { queue.removeAll(keepingCapacity: true) }
                    return queue
                }
                guard state == .active else {
                    batch.forEach { $0.finish(groupError: SQLiteError(code: SQLITE_MISUSE, message: "the database is closed")) }
                    return
                }
                writer.commitGroup(batch)
            }
        }
    }

    /// Runs `body` alone on the writer connection, outside any transaction, for work that
    /// manages its own transactions (migrations). It waits for queued writes to finish.
    public func writeAlone<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        let writer = self.writer
        return try await writerThread.runIfActive { try body(writer) }
    }

    /// Runs `body` on a read-only connection; it sees the last committed state.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await readerThreads.runIfActive { [readers] in
            // There are as many reader connections as reader threads, so one is always free.
            guard let connection = readers.withLockedValue({ $0.popLast() }) else {
                throw SQLiteError(code: SQLITE_BUSY, message: "no reader connection free")
            }
            defer { readers.withLockedValue { $0.append(connection) } }
            return try body(connection)
        }
    }

    /// Lets queued work finish, then closes every connection. Later calls fail.
    public func close() async throws {
        guard openState.withLockedValue({ open in defer { open = false }; return open }) else { return }
        try await writerThread.shutdownGracefully()
        try await readerThreads.shutdownGracefully()
        readers.withLockedValue { $0.removeAll() }
    }

    private static func configure(_ connection: Connection, options: Options) throws {
        sqlite3_busy_timeout(connection.handle, Int32(options.busyTimeoutMilliseconds))
        try connection.execute("PRAGMA foreign_keys=ON")
    }

    private static func createFileIfMissing(_ path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        // SQLite gives the -wal and -shm files the main file's mode, so 0600 here covers all three.
        guard !FileManager.default.fileExists(atPath: path) else { return }
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "cannot create \(path)")
        }
    }
}
