/// The DTP could not be asked about an execution (502, 503 or 504): the error, and the last
/// observation TaskPilot has of it, shown beside the error as `lastObserved`.
public struct ExecutionUnavailableError: Error, Sendable {
    public let error: TaskPilotError
    public let lastObserved: ExecutionObservation?
}
