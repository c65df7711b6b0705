import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import TaskPilot
import Testing

/// Replicas on one PostgreSQL database behave as one TaskPilot: two applications in this
/// process on the same database, each with its own HTTP server, pools and services.
@Suite(.enabled(if: TestDatabase.isPostgres, "replicas share a PostgreSQL database; SQLite has one process per file"))
struct ReplicaTests {
    let folder = TemporaryFolder()

    @Test func concurrentBindsThroughTwoReplicasCreateOneSchedulerTask() async throws {
        // A slow create keeps every bind waiting on the first one's lock.
        let fake = FakeScheduler(createDelay: .milliseconds(200))
        try await withScheduler(fake.application()) { url, _ in
            let configuration = testConfiguration(database: folder.path("binds.sqlite"), schedulerURL: url)
            try await withTaskPilot(configuration) { first in
                try await withTaskPilot(configuration) { second in
                    let id = try await first.createTask()
                    let answers = try await withThrowingTaskGroup(of: Int64?.self) { group in
                        for index in 0..<16 {
                            let client = index.isMultiple(of: 2) ? first : second
                            group.addTask { try await client.send(.post, "/api/tasks/\(id)/scheduler").object[int: "schedulerTaskId"] }
                        }
                        return try await group.reduce(into: [Int64?]()) { $0.append($1) }
                    }
                    #expect(fake.creates == 1)
                    #expect(Set(answers).count == 1 && answers.first! != nil, "every bind answered the one DTP task")
                }
            }
        }
    }

    @Test func aTaskCancelledOnOneReplicaCannotBeBoundOnAnother() async throws {
        let fake = FakeScheduler()
        try await withScheduler(fake.application()) { url, _ in
            let configuration = testConfiguration(database: folder.path("cancel.sqlite"), schedulerURL: url)
            try await withTaskPilot(configuration) { first in
                try await withTaskPilot(configuration) { second in
                    let id = try await first.createTask()
                    #expect(try await first.send(.put, "/api/tasks/\(id)/cancel").status == .ok)
                    let bind = try await second.send(.post, "/api/tasks/\(id)/scheduler")
                    #expect(bind.status == .conflict)
                    #expect(fake.creates == 0)
                }
            }
        }
    }

    @Test func aStreamOnOneReplicaSeesChangesMadeThroughAnother() async throws {
        let configuration = testConfiguration(database: folder.path("stream.sqlite"))
        try await withTaskPilot(configuration) { first in
            try await withTaskPilot(configuration) { second in
                let port = first.port
                async let stream = readEventStream(port: port, timeout: .seconds(10)) { events, _ in events.count >= 3 }
                try await Task.sleep(for: .milliseconds(300))
                let a = try await second.createTask()
                let b = try await first.createTask()
                let c = try await second.createTask()
                let (_, events, _, _) = try await stream
                #expect(events.map { $0.object[int: "webTaskId"] } == [a, b, c], "in id order, from both replicas")
                let ids = events.compactMap(\.id)
                #expect(ids == ids.sorted())
                // Resuming on the other replica delivers the same events.
                let resumed = try await readEventStream(port: second.port, headers: [("Last-Event-ID", "0")]) { events, _ in events.count >= 3 }
                #expect(resumed.events.compactMap(\.id) == ids)
            }
        }
    }

    @Test func oneReplicaWatchesAndAnotherTakesOverWhenItStops() async throws {
        let fake = FakeScheduler()
        try await withScheduler(fake.application()) { url, _ in
            let configuration = {
                var configuration = testConfiguration(database: folder.path("watch.sqlite"), schedulerURL: url, watch: true)
                configuration.watchMinIntervalMilliseconds = 50
                configuration.watchMaxIntervalMilliseconds = 100
                return configuration
            }()
            let firstLog = CapturedLog()
            let secondLog = CapturedLog()
            @Sendable func leading(_ log: CapturedLog) -> Bool { log.all.contains { $0.message == "leading the watcher" } }
            try await withTaskPilot(configuration, logger: secondLog.logger()) { second in
                let id = try await withTaskPilot(configuration, logger: firstLog.logger()) { first in
                    #expect(try await eventually { leading(firstLog) || leading(secondLog) })
                    #expect(!(leading(firstLog) && leading(secondLog)), "one leader at a time")
                    let id = try await first.createTask()
                    #expect(try await first.send(.post, "/api/tasks/\(id)/scheduler").status == .ok)
                    fake.setStatus(1, "PROCESSING")
                    #expect(try await eventually(timeout: .seconds(10)) {
                        (try await second.send(.get, "/api/tasks/\(id)").object["execution"] as? [String: Any])?["status"] as? String == "PROCESSING"
                    }, "observed by whichever replica leads, seen through the other")
                    return id
                }
                // The first replica stopped: if it led, the second takes over within seconds.
                #expect(try await eventually(timeout: .seconds(10)) { leading(secondLog) })
                fake.setStatus(1, "SUCCEEDED")
                #expect(try await eventually(timeout: .seconds(15)) {
                    (try await second.send(.get, "/api/tasks/\(id)").object["execution"] as? [String: Any])?["status"] as? String == "SUCCEEDED"
                }, "observations keep arriving")
            }
        }
    }
}
