import CSQLite
import Foundation
import NIOConcurrencyHelpers
import NIOPosix

/// A SQLite database file opened for a server: one writer connection and a few WAL readers.
///
/// SQLite calls block, so none of them runs on Swift's cooperative pool. Each connection has a
/// lane of its own: a dedicated thread and a queue. Writes go through the single writer lane,
/// which serializes them and group-commits them; reads are spread over the reader lanes, each
/// with its own read-only connection. In WAL mode readers never wait behind the writer.
public final class Database: Sendable {
    public struct Options: Sendable {
        public var readerCount: Int
        public var busyTimeoutMilliseconds: Int
        /// Holds an exclusive lock on the file while open, so that a second process refuses to
        /// open it (`DatabaseLockedError`).
        public var exclusive: Bool
        /// Told after each group commit, on the writer's thread: how many writes it carried and
        /// how long it took. Keep it short; the next group waits for it.
        public var onCommit: (@Sendable (_ writes: Int, _ duration: Duration) -> Void)?
        public var pageCheck: PageCheck

        public init(
            readerCount: Int = 1, busyTimeoutMilliseconds: Int = 5000, exclusive: Bool = true,
            onCommit: (@Sendable (_ writes: Int, _ duration: Duration) -> Void)? = nil,
            pageCheck: PageCheck = .beforeOpening
        ) {
            self.readerCount = readerCount
            self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
            self.exclusive = exclusive
            self.onCommit = onCommit
            self.pageCheck = pageCheck
        }
    }

    public let path: String
    private let writer: Lane<PendingWrite>
    private let readers: [Lane<PendingRead>]
    private let nextReader = NIOLockedValueBox(0)
    private let openState = NIOLockedValueBox(true)
    private let processLock: ProcessLock?
    private let fault = NIOLockedValueBox<SQLiteError?>(nil)
    /// Damage a check beside the lanes found: it fails every later read and write.
    private let damage: NIOLockedValueBox<SQLiteError?>
    private let backgroundCheck: BackgroundPageCheck?

    /// True from a successful open until `close()`.
    public var isOpen: Bool { openState.withLockedValue { $0 } }

    /// The damage a check beside the lanes found, for good; else the storage failure
    /// (read-only, I/O error, disk full, corruption) of the last write that failed with one,
    /// until a write succeeds again, or one a read ran into meanwhile.
    public var storageFailure: SQLiteError? { damage.withLockedValue { $0 } ?? fault.withLockedValue { $0 } }

    /// Opens `path`, creating its folder (and the file, mode 0600) when missing, checks that it
    /// can be written and (as `options.pageCheck` says) passes `PRAGMA quick_check`, and
    /// switches it to WAL with `synchronous=FULL` and foreign keys on. Any failure is a
    /// `DatabaseOpenError` naming the path.
    public init(path: String, options: Options = Options()) throws {
        self.path = path
        let damage = NIOLockedValueBox<SQLiteError?>(nil)
        self.damage = damage
        var lock: ProcessLock?
        var readerConnections: [Connection] = []
        let writerConnection: Connection
        do {
            try Self.createFileIfMissing(path)
            lock = options.exclusive ? try ProcessLock(path: path) : nil
            writerConnection = try Connection(path: path)
            try Self.check(writerConnection, pages: options.pageCheck == .beforeOpening)
            try Self.configure(writerConnection, options: options)
            let mode = try writerConnection.queryFirst("PRAGMA journal_mode=WAL") { $0.string(0) }
            guard mode?.lowercased() == "wal" else {
                throw SQLiteError(code: SQLITE_ERROR, message: "could not switch to WAL (journal_mode is \(mode ?? "unknown"))")
            }
            try writerConnection.execute("PRAGMA synchronous=FULL")
            for _ in 0..<max(1, options.readerCount) {
                let reader = try Connection(path: path, mode: .readOnly)
                try Self.configure(reader, options: options)
                readerConnections.append(reader)
            }
            backgroundCheck = options.pageCheck == .beside ? try BackgroundPageCheck(path: path) { [damage] found in
                damage.withLockedValue { $0 = found }
            } : nil
        } catch let error as DatabaseLockedError {
            throw error
        } catch {
            lock?.release()
            throw DatabaseOpenError(path: path, cause: error)
        }
        processLock = lock
        let onCommit = options.onCommit
        writer = Lane(
            connection: writerConnection,
            drain: { batch, connection in
                let started = ContinuousClock.now
                connection.commitGroup(batch)
                onCommit?(batch.count, .now - started)
            },
            refuse: { batch in batch.forEach { $0.finish(groupError: closedError) } }
        )
        readers = readerConnections.map { connection in
            Lane(
                connection: connection,
                drain: { batch, connection in batch.forEach { $0.run(connection) } },
                refuse: { batch in batch.forEach { $0.fail(closedError) } }
            )
        }
    }

    /// Runs `body` on the writer connection, atomically, and answers once it is durable.
    ///
    /// Writes are group-committed: every write queued while the previous commit was being
    /// written goes into one transaction with one fsync, each in a savepoint of its own so that
    /// one failing write fails alone. `body` must not begin or end transactions itself.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        if let damage = damage.withLockedValue({ $0 }) { throw damage }
        do {
            let value = try await withCheckedThrowingContinuation { continuation in
                writer.submit(PendingWrite(body, continuation: continuation))
            }
            if fault.withLockedValue({ $0 != nil }) {
                fault.withLockedValue { $0 = nil }
            }
            return value
        } catch let error as SQLiteError where error.isStorageFailure {
            fault.withLockedValue { $0 = error }
            throw error
        }
    }

    /// Runs `body` alone on the writer connection, outside any transaction, for work that
    /// manages its own transactions (migrations). It waits for queued writes to finish.
    public func writeAlone<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await writer.runAlone(body)
    }

    /// Runs `body` on a read-only connection; it sees the last committed state.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        if let damage = damage.withLockedValue({ $0 }) { throw damage }
        let lane = readers[nextReader.withLockedValue { index in
            defer { index = (index + 1) % readers.count }
            return index
        }]
        do {
            return try await withCheckedThrowingContinuation { continuation in
                lane.submit(PendingRead(body, continuation: continuation))
            }
        } catch let error as SQLiteError where error.isStorageFailure {
            fault.withLockedValue { $0 = error }
            throw error
        }
    }

    /// What the check of `PageCheck.beside` found, once it has ended: nil for a sound file, or
    /// none asked for, or a check interrupted by `close()` or by cancelling this call.
    public func pageCheckOutcome() async -> SQLiteError? {
        guard let backgroundCheck else { return nil }
        return await withTaskCancellationHandler {
            await backgroundCheck.outcome.value
        } onCancel: {
            backgroundCheck.interrupt()
        }
    }

    /// Lets queued work finish, then closes every connection. Later calls fail.
    public func close() async throws {
        guard openState.withLockedValue({ open in defer { open = false }; return open }) else { return }
        backgroundCheck?.interrupt()
        _ = await backgroundCheck?.outcome.value
        // Readers first: the last connection to close checkpoints the WAL, and only the
        // writer can.
        for reader in readers {
            try await reader.shutdown()
        }
        try await writer.shutdown()
        processLock?.release()
    }

    /// Refuses a file this process cannot write (SQLite would quietly open it read-only) and,
    /// when `pages`, one whose pages are damaged, before anything is served from it.
    private static func check(_ connection: Connection, pages: Bool) throws {
        guard !connection.isReadOnly else {
            throw SQLiteError(code: SQLITE_READONLY, message: "the file cannot be written (read-only file, folder or file system)")
        }
        if pages, let damage = try connection.pageDamage() { throw damage }
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
