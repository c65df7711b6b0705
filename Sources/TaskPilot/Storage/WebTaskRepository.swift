/// Where web tasks and their bindings live. The service talks only to this protocol.
public protocol WebTaskRepository: Sendable {
    func create(type: String, payload: String) async throws -> WebTask
    /// Creates a task under an idempotency key, or finds the one created under it within the
    /// last `ttlHours`; one write, so concurrent requests with one key create one task.
    func create(type: String, payload: String, idempotencyKey: String, ttlHours: Int) async throws -> KeyedCreateResult
    func find(id: Int64) async throws -> WebTask?
    /// Only what a DTP call needs: whether the task exists and which DTP task it is bound to.
    func executionTarget(webTaskId: Int64) async throws -> ExecutionTarget
    /// Up to `query.limit` tasks, newest first.
    func list(_ query: WebTaskQuery) async throws -> [WebTask]
    func cancel(id: Int64) async throws -> WebTaskCancelResult
    /// The web task that owns `schedulerTaskId`, if one does.
    func owner(ofSchedulerTask schedulerTaskId: Int64) async throws -> Int64?
    /// Stores a binding unless the task has one already or the DTP task has another owner, in
    /// the same transaction as the completion of the command that produced it (so a finished,
    /// successful create always has its binding) and the DTP's answer as the first observation.
    func bind(
        webTaskId: Int64, schedulerTaskId: Int64, origin: BindingOrigin, completing command: CommandOutcome, observation: ExecutionObservation?
    ) async throws -> BindStoreResult
}

public enum WebTaskCancelResult: Sendable, Equatable {
    case canceled(WebTask)
    case notPending(WebTask)
    case notFound
}

public enum KeyedCreateResult: Sendable, Equatable {
    case created(WebTask)
    /// The key was used before, with this task.
    case existing(WebTask)
}

public enum BindStoreResult: Sendable, Equatable {
    /// The task as stored: bound now, or already bound before.
    case bound(WebTask)
    /// Another web task owns the DTP task; nothing was bound.
    case ownedBy(webTaskId: Int64)
    case notFound
}

public enum ExecutionTarget: Sendable, Equatable {
    case bound(schedulerTaskId: Int64)
    /// Bound, but sharing its DTP task with `owner` from before one-owner bindings.
    case shared(schedulerTaskId: Int64, owner: Int64)
    case unbound
    case notFound
}
