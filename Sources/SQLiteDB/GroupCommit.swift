import CSQLite

/// One write waiting for the writer lane: its body, run inside a savepoint of the group's
/// transaction, and the caller's continuation, resumed only once that transaction committed.
final class PendingWrite: @unchecked Sendable {
    // Touched only on the writer thread, one write at a time: that is the unchecked part.
    private let body: (Connection) throws -> Void
    private let resume: (Result<Void, any Error>) -> Void
    private var outcome: Result<Void, any Error> = .success(())

    init<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T, continuation: CheckedContinuation<T, any Error>) {
        var value: T?
        self.body = { connection in value = try body(connection) }
        self.resume = { result in
            switch result {
            case .success:
                guard let value else {
                    continuation.resume(throwing: SQLiteError(code: SQLITE_MISUSE, message: "write completed without a value"))
                    return
                }
                continuation.resume(returning: value)
            case .failure(let error):
                continuation.resume(throwing: error)
            }
        }
    }

    /// Runs the body in its own savepoint: a failing write is undone alone and fails alone.
    /// The savepoint statements go through the statement cache: they run for every write.
    func run(on connection: Connection) {
        do {
            try connection.run("SAVEPOINT write")
        } catch {
            outcome = .failure(error)
            return
        }
        do {
            try body(connection)
            try connection.run("RELEASE write")
        } catch {
            outcome = .failure(error)
            if connection.isInTransaction {
                try? connection.run("ROLLBACK TO write")
                try? connection.run("RELEASE write")
            }
        }
    }

    /// Tells the caller: its own outcome once the group committed, or why the group failed.
    func finish(groupError: (any Error)?) {
        if let groupError {
            resume(.failure(groupError))
        } else {
            resume(outcome)
        }
    }
}

extension Connection {
    /// Runs every write of `batch` in one transaction and one commit (one fsync), then answers
    /// each caller. Under load the batch grows by itself: whatever queued while the previous
    /// commit was on its way to disk goes into the next one.
    func commitGroup(_ batch: [PendingWrite]) {
        do {
            try run("BEGIN IMMEDIATE")
        } catch {
            batch.forEach { $0.finish(groupError: error) }
            return
        }
        for write in batch {
            write.run(on: self)
        }
        do {
            // A write that ended the transaction itself (RAISE(ROLLBACK)) took the others' work with it.
            guard isInTransaction else {
                throw SQLiteError(code: SQLITE_ABORT, message: "the transaction was rolled back by a write in its group")
            }
            try run("COMMIT")
            batch.forEach { $0.finish(groupError: nil) }
        } catch {
            if isInTransaction {
                try? execute("ROLLBACK")
            }
            batch.forEach { $0.finish(groupError: error) }
        }
    }
}
