/// Where web tasks and their bindings live. The service talks only to this protocol.
public protocol WebTaskRepository: Sendable {
    func create(type: String, payload: String) async throws -> WebTask
    func find(id: Int64) async throws -> WebTask?
    /// Up to `query.limit` tasks, newest first.
    func list(_ query: WebTaskQuery) async throws -> [WebTask]
    func cancel(id: Int64) async throws -> WebTaskCancelResult
    /// Stores a binding unless the task has one already; answers the task as stored.
    func bind(webTaskId: Int64, schedulerTaskId: Int64, origin: BindingOrigin) async throws -> WebTask?
    func binding(webTaskId: Int64) async throws -> Binding?
}

public enum WebTaskCancelResult: Sendable, Equatable {
    case canceled(WebTask)
    case notPending(WebTask)
    case notFound
}
