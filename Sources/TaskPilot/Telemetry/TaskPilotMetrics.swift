import CoreMetrics
import NIOConcurrencyHelpers
import Prometheus

/// TaskPilot's metrics, in Prometheus text at `GET /metrics`.
///
/// Each application has a registry of its own, reached through swift-metrics' types with an
/// explicit factory rather than `MetricsSystem.bootstrap`: the bootstrap is once per process,
/// and tests run many applications in one. Every label value is bounded: route templates,
/// methods, status codes, call kinds and outcomes, never a path or an id.
public final class TaskPilotMetrics: Sendable {
    /// False when `metrics.enabled` is off: nothing is recorded and `/metrics` is a 404.
    public let enabled: Bool
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let http = HandleCache<HTTPKey, HTTPHandles>()
    private let scheduler = HandleCache<SchedulerKey, SchedulerHandles>()
    private let scrapeHooks = NIOLockedValueBox<[@Sendable (TaskPilotMetrics) -> Void]>([])
    let commitWrites: CoreMetrics.Recorder
    let commitDuration: CoreMetrics.Timer
    let eventsWritten: CoreMetrics.Counter

    private struct HTTPKey: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    private struct HTTPHandles {
        let requests: CoreMetrics.Counter
        let duration: CoreMetrics.Timer
    }

    private struct SchedulerKey: Hashable {
        let kind: SchedulerCallKind
        let outcome: String
    }

    private struct SchedulerHandles {
        let calls: CoreMetrics.Counter
        let duration: CoreMetrics.Timer
    }

    public init(enabled: Bool = true) {
        self.enabled = enabled
        var factory = PrometheusMetricsFactory(registry: registry)
        // Most answers take well under the default buckets' first 5 ms.
        let fast: [Duration] = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
        ]
        factory.durationHistogramBuckets = [
            "taskpilot_http_request_duration_seconds": fast,
            "taskpilot_scheduler_call_duration_seconds": fast,
            "taskpilot_db_commit_duration_seconds": fast,
        ]
        factory.valueHistogramBuckets = ["taskpilot_db_commit_writes": [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]]
        self.factory = factory
        commitWrites = CoreMetrics.Recorder(label: "taskpilot_db_commit_writes", factory: factory)
        commitDuration = CoreMetrics.Timer(label: "taskpilot_db_commit_duration_seconds", factory: factory)
        eventsWritten = CoreMetrics.Counter(label: "taskpilot_events_written_total", factory: factory)
    }

    /// One answered request: `route` is the matched template (`/api/tasks/{id}`), or
    /// `unmatched` when no route matched.
    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        guard enabled else { return }
        let key = HTTPKey(route: route, method: method, status: status)
        let handles = http.value(for: key) {
            HTTPHandles(
                requests: CoreMetrics.Counter(
                    label: "taskpilot_http_requests_total",
                    dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory
                ),
                duration: CoreMetrics.Timer(
                    label: "taskpilot_http_request_duration_seconds", dimensions: [("route", route), ("method", method)], factory: factory
                )
            )
        }
        handles.requests.increment()
        handles.duration.recordNanoseconds(duration.nanoseconds)
    }

    /// One DTP call and what it came to: the DTP's status code, or `refused`, `timeout`,
    /// `unreadable` or `saturated`.
    func recordSchedulerCall(_ kind: SchedulerCallKind, outcome: String, duration: Duration) {
        guard enabled else { return }
        let key = SchedulerKey(kind: kind, outcome: outcome)
        let handles = scheduler.value(for: key) {
            let dimensions = [("kind", kind.rawValue), ("outcome", outcome)]
            return SchedulerHandles(
                calls: CoreMetrics.Counter(label: "taskpilot_scheduler_calls_total", dimensions: dimensions, factory: factory),
                duration: CoreMetrics.Timer(label: "taskpilot_scheduler_call_duration_seconds", dimensions: dimensions, factory: factory)
            )
        }
        handles.calls.increment()
        handles.duration.recordNanoseconds(duration.nanoseconds)
    }

    /// One group commit of the database's writer.
    func recordCommit(writes: Int, duration: Duration) {
        guard enabled else { return }
        commitWrites.record(writes)
        commitDuration.recordNanoseconds(duration.nanoseconds)
    }

    /// A gauge read at each scrape from whoever owns the value.
    func gauge(_ name: String, _ labels: [(String, String)] = []) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: name, dimensions: labels, factory: factory)
    }

    /// Runs `hook` before each scrape, to set gauges whose values live elsewhere.
    func onScrape(_ hook: @escaping @Sendable (TaskPilotMetrics) -> Void) {
        scrapeHooks.withLockedValue { $0.append(hook) }
    }

    /// The Prometheus text exposition of every metric.
    func scrape() -> [UInt8] {
        for hook in scrapeHooks.withLockedValue({ $0 }) {
            hook(self)
        }
        return registry.emitToBuffer()
    }
}

/// The DTP calls TaskPilot counts apart.
enum SchedulerCallKind: String, Sendable {
    case create
    case get
    case cancel
    /// The watcher's polls (`GET /tasks/{id}` on its own connections).
    case watch
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
