/// One web task's binds and cancels, one at a time: concurrent binds create one DTP task, and a
/// web task cancelled while a bind was on its way is not bound after it. On SQLite, one process
/// owns the file, so a lock in memory does (`ProcessTaskLocks`); PostgreSQL replicas lock in the
/// database (`PostgresTaskLocks`). Neither holds a database transaction open meanwhile.
public protocol TaskLocks: Sendable {
    func withLock<T: Sendable>(webTaskId: Int64, _ body: @escaping @Sendable () async throws -> T) async throws -> T
}

/// `TaskLocks` within this process.
public struct ProcessTaskLocks: TaskLocks {
    private let serializer = KeyedSerializer<Int64>()

    public init() {}

    public func withLock<T: Sendable>(webTaskId: Int64, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await serializer.run(webTaskId, body)
    }
}
