/// How long each step takes, so that every path of the lifecycle can be seen and tested.
public struct SchedulerTiming: Sendable {
    /// How often the worker looks for work.
    public var tick: Duration = .milliseconds(50)
    /// How long an ordinary task stays PENDING before it is enqueued.
    public var pendingDelay: Duration = .milliseconds(200)
    /// How long a `demo-slow` task stays PENDING: long enough to cancel it by hand.
    public var slowPendingDelay: Duration = .seconds(60)
    /// How long one attempt processes.
    public var processingTime: Duration = .milliseconds(300)
    /// The wait before the first retry; it doubles with each further attempt.
    public var retryBackoff: Duration = .milliseconds(500)
    public var maxAttempts = 3

    public init() {}
}

/// What a task type does. Any type not named here behaves like `demo`.
enum TaskBehavior {
    /// Succeeds on its first attempt after a short delay.
    case succeed
    /// Waits `slowPendingDelay` in PENDING, then succeeds.
    case slow
    /// Fails every attempt, is retried with backoff and ends DEAD.
    case fail

    init(type: String) {
        switch type {
        case "demo-slow": self = .slow
        case "demo-fail": self = .fail
        default: self = .succeed
        }
    }
}
