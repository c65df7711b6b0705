/// What the health routes ask of a storage backend.
protocol StorageHealth: Sendable {
    /// Why the database cannot serve at all (closed, or its storage failed), or nil. Cheap: the
    /// liveness probe asks it on every call.
    var fault: String? { get }
    /// Why the database cannot take a write now, or nil.
    func writeProblem() async -> String?
    /// Why the database's migrations are not this binary's, or nil.
    func migrationProblem() async -> String?
}
