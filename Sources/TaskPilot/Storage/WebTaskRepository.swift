/// Where web tasks and their bindings live. The service talks only to this protocol.
public protocol WebTaskRepository: Sendable {
    func create(type: String, payload: String) async throws -> WebTask
    func find(id: Int64) async throws -> WebTask?
    /// Only what a DTP call needs: whether the task exists and which DTP task it is bound to.
    func executionTarget(webTaskId: Int64) async throws -> ExecutionTarget
    /// Up to `query.limit` tasks, newest first.
    func list(_ query: WebTaskQuery) async throws -> [WebTask]
    func cancel(id: Int64) async throws -> WebTaskCancelResult
    /// Stores a binding unless the task has one already, in the same transaction as the
    /// completion of the command that produced it (so a finished, successful create always has
    /// its binding); answers the task as stored.
    func bind(webTaskId: Int64, schedulerTaskId: Int64, origin: BindingOrigin, completing command: CommandOutcome) async throws -> WebTask?
}

public enum WebTaskCancelResult: Sendable, Equatable {
    case canceled(WebTask)
    case notPending(WebTask)
    case notFound
}

public enum ExecutionTarget: Sendable, Equatable {
    case bound(schedulerTaskId: Int64)
    case unbound
    case notFound
}
