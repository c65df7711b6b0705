/// Where observations of executions live, and the watcher's list of what to ask about.
public protocol ExecutionObservationRepository: Sendable {
    /// Stores each observation that says something new, in one write; answers how many were stored.
    func record(_ observations: [ObservedExecution]) async throws -> Int
    /// Completes a forwarded cancel's command in one write with what came of it: its
    /// TaskResponse when it was a 200, then an `execution.cancel_forwarded` event when the DTP answered.
    func finishCancel(_ outcome: CommandOutcome, webTaskId: Int64, schedulerTaskId: Int64, observation: ExecutionObservation?) async throws
    /// Of the next `slice` bindings after web task id `after`, those whose execution was never
    /// observed or was last seen in a status that can still change, in id order; and the last
    /// web task id the slice covered, nil when no binding is left. A slice of bindings, not of
    /// results, keeps every read short however few of a million are unfinished.
    func unfinished(after: Int64, slice: Int) async throws -> (targets: [WatchTarget], through: Int64?)
}

/// One observation on its way to storage.
public struct ObservedExecution: Sendable, Equatable {
    public var webTaskId: Int64
    public var schedulerTaskId: Int64
    public var observation: ExecutionObservation
    public var source: ObservationSource

    public init(webTaskId: Int64, schedulerTaskId: Int64, observation: ExecutionObservation, source: ObservationSource) {
        self.webTaskId = webTaskId
        self.schedulerTaskId = schedulerTaskId
        self.observation = observation
        self.source = source
    }
}

/// A bound execution the watcher asks the DTP about, with its last observed status if any.
public struct WatchTarget: Sendable, Equatable {
    public var webTaskId: Int64
    public var schedulerTaskId: Int64
    public var status: String?
}
