import Foundation
import NIOConcurrencyHelpers
import SQLiteDB

/// The gauges whose values live in other parts, read at each scrape rather than kept up to
/// date on every request.
extension TaskPilotMetrics {
    /// The database file's size and its write-ahead log's.
    func observe(database: Database) {
        let file = gauge("taskpilot_db_file_bytes", [("file", "main")])
        let wal = gauge("taskpilot_db_file_bytes", [("file", "wal")])
        onScrape { _ in
            file.record(Self.size(of: database.path))
            wal.record(Self.size(of: database.path + "-wal"))
        }
    }

    /// DTP calls in flight and waiting in one gateway (`requests` or `watcher`).
    func observe(gateway: HTTPSchedulerGateway, pool: String) {
        let inFlight = gauge("taskpilot_scheduler_calls_in_flight", [("pool", pool)])
        let queued = gauge("taskpilot_scheduler_calls_queued", [("pool", pool)])
        onScrape { _ in
            let load = gateway.admission.load
            inFlight.record(load.inFlight)
            queued.record(load.queued)
        }
    }

    /// Open event streams, and events written since start (counted from the feed's newest id).
    func observe(feed: EventFeed) {
        let subscribers = gauge("taskpilot_events_subscribers")
        let counted = NIOLockedValueBox(feed.load.head)
        onScrape { metrics in
            let load = feed.load
            subscribers.record(load.subscribers)
            let written = counted.withLockedValue { last -> Int64 in
                defer { last = load.head }
                return load.head - last
            }
            if written > 0 { metrics.eventsWritten.increment(by: written) }
        }
    }

    func observe(watcher: ExecutionWatcher) {
        let watching = gauge("taskpilot_watch_executions")
        let backlog = gauge("taskpilot_watch_backlog")
        let oldest = gauge("taskpilot_watch_oldest_observation_age_seconds")
        onScrape { _ in
            let load = watcher.backlog
            watching.record(load.watching)
            backlog.record(load.overdue)
            oldest.record(Double(load.oldestUnheard.nanoseconds) / 1e9)
        }
    }

    private static func size(of path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }
}
