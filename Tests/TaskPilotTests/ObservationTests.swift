import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLiteDB
import TaskPilot
import Testing

/// Observed executions: what the DTP said, recorded as it said it, shown beside the web task.
@Suite struct ObservationTests {
    let folder = TemporaryFolder()

    /// The watcher on, with intervals short enough for a test.
    func watching(_ database: String, _ url: String, minMs: Int = 50, maxMs: Int = 400, perSecond: Int = 100, inFlight: Int = 8) -> TaskPilotConfiguration {
        var configuration = testConfiguration(database: folder.path(database), schedulerURL: url, watch: true)
        configuration.watchMinIntervalMilliseconds = minMs
        configuration.watchMaxIntervalMilliseconds = maxMs
        configuration.watchMaxPerSecond = perSecond
        configuration.watchMaxInFlight = inFlight
        return configuration
    }

    @Test func aBoundDemoTaskShowsSucceededWithNoQuery() async throws {
        try await withScheduler(fastReferenceScheduler()) { url, _ in
            try await withTaskPilot(watching("demo.sqlite", url)) { client in
                let id = try await client.createTask(type: "demo")
                let bound = try await client.send(.post, "/api/tasks/\(id)/scheduler")
                let first = try #require(bound.object["execution"] as? [String: Any], "bind's create answer is the first observation")
                #expect(first["status"] as? String == "PENDING")
                var task: [String: Any] = [:]
                #expect(try await eventually {
                    task = try await client.send(.get, "/api/tasks/\(id)").object
                    return (task["execution"] as? [String: Any])?["status"] as? String == "SUCCEEDED"
                })
                #expect(task["status"] as? String == "PENDING", "intent and execution side by side")
                let execution = try #require(task["execution"] as? [String: Any])
                #expect(execution["retryState"] as? String == "COMPLETED")
                #expect(execution["attemptCount"] as? Int == 1)
                #expect(execution["schedulerUpdatedAt"] is String)
                #expect(execution["observedAt"] is String)
                let page = try await client.send(.get, "/api/tasks?executionStatus=SUCCEEDED").object
                #expect((page["items"] as? [[String: Any]])?.map { $0["id"] as? Int } == [Int(id)])
            }
        }
    }

    @Test func aFinalExecutionIsNotPolledAgainAndAnUnchangedOneBacksOff() async throws {
        let fake = FakeScheduler()
        try await withScheduler(fake.application()) { url, _ in
            try await withTaskPilot(watching("backoff.sqlite", url)) { client in
                let id = try await client.createTask()
                _ = try await client.send(.post, "/api/tasks/\(id)/scheduler")
                fake.setStatus(1, "PROCESSING")
                try await Task.sleep(for: .milliseconds(1500))
                // 50, 100, 200, 400, 400… ms with ±20 % jitter: 5 or 6 polls in 1.5 s, where a fixed
                // 50 ms interval would make 30.
                let polls = fake.gets(1)
                #expect((3...8).contains(polls), "\(polls) polls")
                fake.setStatus(1, "SUCCEEDED")
                #expect(try await eventually {
                    (try await client.send(.get, "/api/tasks/\(id)").object["execution"] as? [String: Any])?["status"] as? String == "SUCCEEDED"
                })
                let final = fake.gets(1)
                try await Task.sleep(for: .seconds(1))
                #expect(fake.gets(1) == final, "SUCCEEDED is final: never polled again")
            }
        }
    }

    /// At start the watcher reads what to watch a slice of 1,000 bindings at a time, so that a
    /// million finished ones never hold the reader for long: the unfinished ones in later slices,
    /// and between them, are still found.
    @Test(.enabled(if: !TestDatabase.isPostgres, "seeded with SQL on the SQLite file"))
    func theWatcherFindsTheUnfinishedAmongThousandsOfFinished() async throws {
        let path = folder.path("many.sqlite")
        let (database, _) = try await TaskPilotDatabase.open(path: path)
        try await database.write { connection in
            try connection.execute("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
                INSERT INTO web_tasks (id, type, payload) SELECT i, 'demo', 'p' FROM n;
                INSERT INTO bindings (web_task_id, scheduler_task_id, origin) SELECT id, id, 'CREATED' FROM web_tasks;
                INSERT INTO execution_observations (web_task_id, scheduler_task_id, status, observed_at, source)
                    SELECT id, id, CASE id WHEN 1000 THEN 'PENDING' WHEN 1500 THEN 'PROCESSING' ELSE 'SUCCEEDED' END,
                           '2026-11-27T10:00:00.000Z', 'WATCH'
                    FROM web_tasks WHERE id <> 2400;
                """)
        }
        try await database.close()
        let fake = FakeScheduler()
        for id: Int64 in [1000, 1500, 2400] {
            fake.setStatus(id, "PROCESSING")
        }
        try await withScheduler(fake.application()) { url, _ in
            var configuration = watching("many.sqlite", url)
            configuration.databasePath = path
            try await withTaskPilot(configuration) { _ in
                let allAsked = try await eventually { [1000, 1500, 2400].allSatisfy { fake.gets($0) > 0 } }
                #expect(allAsked)
                #expect(fake.allGets == [1000, 1500, 2400].map { fake.gets($0) }.reduce(0, +), "no finished execution is asked about")
            }
        }
    }

    /// PostgreSQL's text cannot hold U+0000: a DTP's `lastError` with one is still passed through
    /// byte for byte and recorded (with U+FFFD in its place there), never a 500.
    @Test func aNULInTheSchedulersOwnTextIsRecordedNotA500() async throws {
        let fake = FakeScheduler()
        try await withScheduler(fake.application()) { url, _ in
            try await withTaskPilot(testConfiguration(database: folder.path("nul.sqlite"), schedulerURL: url)) { client in
                let id = try await client.createTask()
                // The DTP's first answer (to the bind's create, stored with the binding) holds one.
                fake.setLastError(1, "disk\u{0}full")
                let bound = try await client.send(.post, "/api/tasks/\(id)/scheduler")
                #expect(bound.status == .ok)
                #expect((bound.object["execution"] as? [String: Any])?["lastError"] as? String == "disk\u{0}full", "as the DTP said it")
                let stored = TestDatabase.isPostgres ? "disk\u{FFFD}full" : "disk\u{0}full"
                fake.setStatus(1, "FAILED")
                let answer = try await client.send(.get, "/api/tasks/\(id)/execution")
                #expect(answer.status == .ok)
                #expect(answer.text.contains(#""lastError":"disk\u0000full""#), "the DTP's bytes, unchanged")
                var execution: [String: Any] = [:]
                let recorded = try await eventually {
                    execution = try await client.send(.get, "/api/tasks/\(id)").object["execution"] as? [String: Any] ?? [:]
                    return execution["status"] as? String == "FAILED"
                }
                #expect(recorded)
                #expect(execution["lastError"] as? String == stored)
            }
        }
    }

    @Test func theRateCapAndTheInFlightCapHold() async throws {
        let fake = FakeScheduler()
        try await withScheduler(fake.application()) { url, _ in
            try await withTaskPilot(watching("rate.sqlite", url, minMs: 10, maxMs: 10, perSecond: 20, inFlight: 2)) { client in
                for _ in 0..<10 {
                    _ = try await client.send(.post, "/api/tasks/\(try await client.createTask())/scheduler")
                }
                fake.fault = .slow(.milliseconds(30))
                let before = fake.allGets
                try await Task.sleep(for: .seconds(2))
                let polls = fake.allGets - before
                // 10 tasks due every 10 ms would be 2,000 calls; the cap allows 20 a second.
                #expect((20...44).contains(polls), "\(polls) polls in 2 s at 20/s")
                #expect(fake.maxConcurrentGets <= 2)
            }
        }
    }

    @Test func aFailingSchedulerPausesTheWatcherUntilItAnswers() async throws {
        let fake = FakeScheduler()
        try await withScheduler(fake.application()) { url, _ in
            try await withTaskPilot(watching("pause.sqlite", url, minMs: 20, maxMs: 400)) { client in
                for _ in 0..<5 {
                    _ = try await client.send(.post, "/api/tasks/\(try await client.createTask())/scheduler")
                }
                fake.fault = .html500
                let before = fake.allGets
                try await Task.sleep(for: .milliseconds(1500))
                // Five tasks at 20 ms would be about 300 calls; paused as a whole, about 7.
                let polls = fake.allGets - before
                #expect(polls <= 15, "\(polls) polls while the DTP failed")
                fake.fault = nil
                fake.setStatus(3, "SUCCEEDED")
                #expect(try await eventually {
                    (try await client.send(.get, "/api/tasks/3").object["execution"] as? [String: Any])?["status"] as? String == "SUCCEEDED"
                }, "resumes once the DTP answers")
            }
        }
    }

    @Test func aTaskTheSchedulerLostIsRecordedAsNotFoundAndLeftAlone() async throws {
        let fake = FakeScheduler()
        try await withScheduler(fake.application()) { url, _ in
            try await withTaskPilot(watching("lost.sqlite", url)) { client in
                let id = try await client.createTask()
                _ = try await client.send(.post, "/api/tasks/\(id)/scheduler")
                fake.fault = .forget
                #expect(try await eventually {
                    (try await client.send(.get, "/api/tasks/\(id)").object["execution"] as? [String: Any])?["status"] as? String == "NOT_FOUND"
                })
                let polls = fake.gets(1)
                try await Task.sleep(for: .milliseconds(800))
                #expect(fake.gets(1) == polls)
                let page = try await client.send(.get, "/api/tasks?executionStatus=NOT_FOUND").object
                #expect((page["items"] as? [[String: Any]])?.count == 1)
            }
        }
    }

    @Test func queriesAndCancelsAreObservationsAndTheAnswerStaysByteForByte() async throws {
        let fake = FakeScheduler()
        let database = folder.path("query.sqlite")
        try await withScheduler(fake.application()) { url, dtp in
            try await withTaskPilot(testConfiguration(database: database, schedulerURL: url)) { client in
                let id = try await client.createTask()
                _ = try await client.send(.post, "/api/tasks/\(id)/scheduler")
                fake.setStatus(1, "PROCESSING")
                let query = try await client.send(.get, "/api/tasks/\(id)/execution")
                #expect(query.body == (try await dtp.send(.get, "/tasks/1")).body)
                #expect(try await eventually {
                    (try await client.send(.get, "/api/tasks/\(id)").object["execution"] as? [String: Any])?["status"] as? String == "PROCESSING"
                })
                let other = try await client.createTask()
                _ = try await client.send(.post, "/api/tasks/\(other)/scheduler")
                let cancel = try await client.send(.put, "/api/tasks/\(other)/execution/cancel")
                #expect(cancel.status == .ok)
                let canceled = try await client.send(.get, "/api/tasks/\(other)").object
                #expect((canceled["execution"] as? [String: Any])?["status"] as? String == "CANCELED", "stored with the cancel, not later")
            }
        }
        let sources = try await TestDatabase.rows(database, "SELECT web_task_id, status, source FROM execution_observations ORDER BY web_task_id")
            .map { $0.joined(separator: " ") }
        #expect(sources == ["1 PROCESSING QUERY", "2 CANCELED CANCEL"])
    }

    @Test func anUnreachableSchedulerShowsTheLastObservation() async throws {
        let fake = FakeScheduler()
        try await withScheduler(fake.application()) { url, _ in
            try await withTaskPilot(testConfiguration(database: folder.path("last.sqlite"), schedulerURL: url, timeoutMilliseconds: 300)) { client in
                let id = try await client.createTask()
                #expect(try await eventually { try await client.send(.post, "/api/tasks/\(id)/scheduler").status == .ok })
                fake.fault = .html500
                let failed = try await client.send(.get, "/api/tasks/\(id)/execution")
                #expect(failed.status == .badGateway)
                #expect(failed.keyOrder == ["status", "error", "message", "path", "lastObserved"])
                #expect((failed.object["lastObserved"] as? [String: Any])?["status"] as? String == "PENDING")
                fake.fault = .hang
                let timedOut = try await client.send(.get, "/api/tasks/\(id)/execution")
                #expect(timedOut.status == .gatewayTimeout)
                #expect((timedOut.object["lastObserved"] as? [String: Any])?["status"] as? String == "PENDING")
                fake.fault = nil
            }
        }
    }

    @Test func listFiltersCombineAndPage() async throws {
        let fake = FakeScheduler()
        try await withScheduler(fake.application()) { url, _ in
            try await withTaskPilot(testConfiguration(database: folder.path("filters.sqlite"), schedulerURL: url)) { client in
                var ids: [Int64] = []
                for index in 0..<6 {
                    let id = try await client.createTask(type: index.isMultiple(of: 2) ? "even" : "odd")
                    ids.append(id)
                    if index < 4 { _ = try await client.send(.post, "/api/tasks/\(id)/scheduler") }
                }
                fake.setStatus(2, "SUCCEEDED")
                _ = try await client.send(.get, "/api/tasks/\(ids[1])/execution")
                func page(_ query: String) async throws -> [Int64] {
                    let object = try await client.send(.get, "/api/tasks?\(query)").object
                    return (object["items"] as? [[String: Any]] ?? []).compactMap { ($0["id"] as? NSNumber)?.int64Value }
                }
                #expect(try await eventually { try await page("executionStatus=SUCCEEDED") == [ids[1]] })
                #expect(try await page("executionStatus=PENDING") == [ids[3], ids[2], ids[0]])
                #expect(try await page("executionStatus=NONE") == [ids[5], ids[4]])
                #expect(try await page("executionStatus=NONE,SUCCEEDED") == [ids[5], ids[4], ids[1]])
                #expect(try await page("type=even") == [ids[4], ids[2], ids[0]])
                #expect(try await page("type=even&executionStatus=PENDING&bound=true") == [ids[2], ids[0]])
                let first = try await client.send(.get, "/api/tasks?executionStatus=PENDING&limit=2").object
                let cursor = try #require(first["nextCursor"] as? String)
                #expect(try await page("executionStatus=PENDING&limit=2&cursor=\(cursor)") == [ids[0]])
                for bad in ["executionStatus=DONE", "executionStatus=", "executionStatus=SUCCEEDED,", "type="] {
                    let response = try await client.send(.get, "/api/tasks?\(bad)")
                    #expect(response.status == .badRequest, "\(bad)")
                }
            }
        }
    }
}
