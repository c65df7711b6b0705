/// The web task's own lifecycle: create, read, list and cancel the record.
/// It never talks to the DTP; that is `ExecutionService`'s job.
public struct WebTaskService: Sendable {
    let repository: any WebTaskRepository
    let locks: any TaskLocks

    public init(repository: any WebTaskRepository, locks: any TaskLocks) {
        self.repository = repository
        self.locks = locks
    }

    public func create(type: String, payload: String) async throws -> WebTask {
        try await repository.create(type: type, payload: payload)
    }

    /// What a create under an `Idempotency-Key` came to.
    public enum KeyedCreate: Sendable, Equatable {
        case created(WebTask)
        /// The key was used before with the same body: the task it created, nothing new.
        case replayed(WebTask)
    }

    /// Creates a task once per key: the same key with the same body answers the task the key
    /// created; with another body it is a 422, since the client's intent cannot be both.
    public func create(type: String, payload: String, idempotencyKey: String, ttlHours: Int) async throws -> KeyedCreate {
        switch try await repository.create(type: type, payload: payload, idempotencyKey: idempotencyKey, ttlHours: ttlHours) {
        case .created(let task):
            return .created(task)
        case .existing(let task):
            guard task.type == type, task.payload == payload else {
                throw TaskPilotError.unprocessable("Idempotency-Key \"\(idempotencyKey)\" was used with a different body (for task \(task.id))")
            }
            return .replayed(task)
        }
    }

    public func get(id: Int64) async throws -> WebTask {
        guard let task = try await repository.find(id: id) else {
            throw TaskPilotError.taskNotFound(id)
        }
        return task
    }

    /// One page, newest first, with the cursor of the next page when there is one.
    public func list(_ query: WebTaskQuery) async throws -> WebTaskPage {
        // One row more than asked tells whether another page follows.
        var probe = query
        probe.limit = query.limit + 1
        var items = try await repository.list(probe)
        var nextCursor: String?
        if items.count > query.limit {
            items.removeLast()
            nextCursor = items.last.map { PageCursor.encode(lastId: $0.id) }
        }
        return WebTaskPage(items: items, nextCursor: nextCursor)
    }

    /// Waits for a bind of the task in flight, so that a task is never bound after it was cancelled.
    public func cancel(id: Int64) async throws -> WebTask {
        switch try await locks.withLock(webTaskId: id, { try await repository.cancel(id: id) }) {
        case .canceled(let task):
            return task
        case .notPending(let task):
            throw TaskPilotError.conflict("Task \(id) cannot be canceled in state \(task.status.rawValue)")
        case .notFound:
            throw TaskPilotError.taskNotFound(id)
        }
    }
}
