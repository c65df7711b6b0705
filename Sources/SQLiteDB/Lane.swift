import CSQLite
import NIOConcurrencyHelpers
import NIOPosix

/// One dedicated thread, one connection, and the jobs waiting for them.
///
/// Jobs that queue while the thread is busy run together on its next wake-up, so under load one
/// wake-up (the costly part of leaving Swift's cooperative pool) serves many requests: for
/// writes that batch is also one transaction and one fsync.
final class Lane<Job: Sendable>: Sendable {
    private let thread = NIOThreadPool(numberOfThreads: 1)
    private let connection: Connection
    private let queue = NIOLockedValueBox<[Job]>([])
    private let drain: @Sendable ([Job], Connection) -> Void
    private let refuse: @Sendable ([Job]) -> Void

    init(
        connection: Connection,
        drain: @escaping @Sendable ([Job], Connection) -> Void,
        refuse: @escaping @Sendable ([Job]) -> Void
    ) {
        self.connection = connection
        self.drain = drain
        self.refuse = refuse
        thread.start()
    }

    func submit(_ job: Job) {
        let wakesThread = queue.withLockedValue { jobs in
            jobs.append(job)
            return jobs.count == 1
        }
        guard wakesThread else { return }
        thread.submit { [queue, connection, drain, refuse] state in
            let batch = queue.withLockedValue { jobs in
                defer { jobs.removeAll(keepingCapacity: true) }
                return jobs
            }
            if state == .active {
                drain(batch, connection)
            } else {
                refuse(batch)
            }
        }
    }

    /// Runs `body` by itself on the lane's thread and connection.
    func runAlone<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await thread.runIfActive { [connection] in try body(connection) }
    }

    /// Lets queued jobs finish, stops the thread, then closes the connection.
    func shutdown() async throws {
        try await thread.shutdownGracefully()
        connection.close()
    }
}

/// A read waiting for a reader lane; answered as soon as it has run.
struct PendingRead: Sendable {
    let run: @Sendable (Connection) -> Void
    let fail: @Sendable (any Error) -> Void

    init<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T, continuation: CheckedContinuation<T, any Error>) {
        run = { connection in continuation.resume(with: Result { try body(connection) }) }
        fail = { error in continuation.resume(throwing: error) }
    }
}

let closedError = SQLiteError(code: SQLITE_MISUSE, message: "the database is closed")
