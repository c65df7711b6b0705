import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import SQLiteDB
import TaskPilot
import Testing

/// The change feed: every change once, in order, from the database, across restarts.
@Suite struct EventFeedTests {
    let folder = TemporaryFolder()

    @Test func aStreamSeesCreatedBoundAndChangedInOrder() async throws {
        let fake = FakeScheduler()
        try await withScheduler(fake.application()) { url, _ in
            try await withTaskPilot(testConfiguration(database: folder.path("order.sqlite"), schedulerURL: url)) { client in
                let port = client.port
                async let stream = readEventStream(port: port) { events, _ in events.count >= 5 }
                // The stream starts at the next new event: give it time to connect.
                try await Task.sleep(for: .milliseconds(300))
                let id = try await client.createTask()
                _ = try await client.send(.post, "/api/tasks/\(id)/scheduler")
                fake.setStatus(1, "SUCCEEDED")
                _ = try await client.send(.get, "/api/tasks/\(id)/execution")
                _ = try await client.send(.put, "/api/tasks/\(id)/execution/cancel")
                let (status, events, comments, _) = try await stream
                #expect(status == 200)
                #expect(comments.first == "connected")
                #expect(events.map(\.type) == ["task.created", "task.bound", "execution.changed", "execution.changed", "execution.cancel_forwarded"])
                let ids = events.compactMap(\.id)
                #expect(ids.count == 5 && ids == ids.sorted() && Set(ids).count == 5)
                let bound = events[1].object
                #expect(bound["id"] as? Int == Int(ids[1]))
                #expect(bound["webTaskId"] as? Int == Int(id))
                #expect((bound["task"] as? [String: Any])?["schedulerTaskId"] as? Int == 1)
                #expect(topLevelKeys(events[1].data) == ["id", "type", "webTaskId", "at", "task"])
                #expect((bound["task"] as? [String: Any])?["execution"] is NSNull, "bound, not yet observed")
                let first = events[2].object["task"] as? [String: Any]
                #expect((first?["execution"] as? [String: Any])?["status"] as? String == "PENDING", "the bind's answer, the first observation")
                #expect(first?["updatedAt"] as? String == (bound["task"] as? [String: Any])?["updatedAt"] as? String)
                let changed = events[3].object["task"] as? [String: Any]
                #expect((changed?["execution"] as? [String: Any])?["status"] as? String == "SUCCEEDED", "the task as of the event")
                let forwarded = events[4].object
                #expect(topLevelKeys(events[4].data) == ["id", "type", "webTaskId", "at", "task", "scheduler"])
                #expect((forwarded["scheduler"] as? [String: Any])?["status"] as? Int == 409)
                #expect((forwarded["scheduler"] as? [String: Any])?["message"] as? String == "Cannot cancel task in state SUCCEEDED")
            }
        }
    }

    @Test func resumingAcrossARestartDeliversExactlyTheMissedEvents() async throws {
        let configuration = testConfiguration(database: folder.path("resume.sqlite"))
        let seen = try await withTaskPilot(configuration) { client in
            for _ in 0..<3 { _ = try await client.createTask() }
            let page = try await client.send(.get, "/api/events?after=0", headers: [.accept: "application/json"])
            #expect(page.keyOrder == ["items", "nextAfter", "reset"])
            return try #require(page.object[int: "nextAfter"])
        }
        #expect(seen == 3)
        try await withTaskPilot(configuration) { client in
            let canceled = try await client.createTask()
            _ = try await client.send(.put, "/api/tasks/2/cancel")
            _ = try await client.send(.put, "/api/tasks/\(canceled)/cancel")
            let (_, events, _, _) = try await readEventStream(port: client.port, headers: [("Last-Event-ID", "\(seen)")]) { events, _ in events.count >= 3 }
            #expect(events.map(\.type) == ["task.created", "task.canceled", "task.canceled"])
            #expect(events.compactMap(\.id) == [4, 5, 6])
            #expect(events.map { $0.object[int: "webTaskId"] } == [4, 2, 4])
            let forOne = try await readEventStream(port: client.port, query: "?after=0&taskId=2", timeout: .seconds(1)) { events, _ in events.count >= 2 }
            #expect(forOne.events.compactMap(\.id) == [2, 5])
            let page = try await client.send(.get, "/api/events?after=4&limit=1", headers: [.accept: "application/json"])
            #expect((page.object["items"] as? [[String: Any]])?.map { $0["id"] as? Int } == [5])
            #expect(page.object[int: "nextAfter"] == 5)
        }
    }

    /// The feed frames the events of each read once and streams write those bytes, joined when
    /// a write spans several reads: every event must still arrive whole, once and in order.
    @Test func eventsFromManyCommitsReachEveryStreamWholeOnceAndInOrder() async throws {
        try await withTaskPilot(testConfiguration(database: folder.path("commits.sqlite"))) { client in
            let port = client.port
            // Generous timeouts: this is about what arrives, and a busy machine may take a while.
            async let live = readEventStream(port: port, timeout: .seconds(30)) { events, _ in events.count >= 40 }
            async let one = readEventStream(port: port, query: "?taskId=7", timeout: .seconds(30)) { events, _ in !events.isEmpty }
            try await Task.sleep(for: .milliseconds(300))
            for _ in 0..<20 { _ = try await client.createTask() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 { group.addTask { _ = try await client.createTask() } }
                try await group.waitForAll()
            }
            let expected = Array(Int64(1)...40)
            let (_, events, _, _) = try await live
            #expect(events.compactMap(\.id) == expected)
            #expect(events.map { $0.object[int: "id"] } == expected)
            #expect(events.allSatisfy { $0.type == "task.created" && $0.object[int: "webTaskId"] == $0.object[int: "id"] })
            #expect(try await one.events.compactMap(\.id) == [7])
            let resumed = try await readEventStream(port: port, headers: [("Last-Event-ID", "10")]) { events, _ in events.count >= 30 }
            #expect(resumed.events.compactMap(\.id) == Array(Int64(11)...40))
        }
    }

    @Test func theSubscriberCapAnswers503AndHeadTakesNoPlace() async throws {
        var configuration = testConfiguration(database: folder.path("cap.sqlite"))
        configuration.eventsMaxSubscribers = 1
        // A stream learns that its client left when it next writes: at the latest, the heartbeat.
        configuration.eventsHeartbeatMilliseconds = 200
        try await withTaskPilot(configuration) { client in
            for _ in 0..<3 {
                #expect(try await client.send(.head, "/api/events").status == .ok)
            }
            let port = client.port
            async let first = readEventStream(port: port, timeout: .seconds(2)) { _, _ in false }
            try await Task.sleep(for: .milliseconds(300))
            let second = try await readEventStream(port: port, timeout: .seconds(1)) { _, _ in true }
            #expect(second.status == 503)
            let refused = try await client.send(.get, "/api/events")
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] == "1")
            #expect((refused.object["message"] as? String)?.contains("1 event streams") == true)
            _ = try await first
            #expect(try await eventually { try await readEventStream(port: port, timeout: .milliseconds(200)) { _, _ in true }.status == 200 },
                    "a closed stream gives its place back")
        }
    }

    @Test func anIdleStreamGetsHeartbeats() async throws {
        var configuration = testConfiguration(database: folder.path("heartbeat.sqlite"))
        configuration.eventsHeartbeatMilliseconds = 100
        try await withTaskPilot(configuration) { client in
            let (_, events, comments, cursor) = try await readEventStream(port: client.port) { _, comments in comments.filter { $0 == "heartbeat" }.count >= 2 }
            #expect(events.isEmpty)
            #expect(comments.filter { $0 == "heartbeat" }.count >= 2)
            #expect(cursor == 0, "each heartbeat carries the stream's cursor, no event yet")
        }
    }

    @Test func aClientThatSawNoEventResumesWhereItsStreamOpened() async throws {
        try await withTaskPilot(testConfiguration(database: folder.path("cursor.sqlite"))) { client in
            _ = try await client.createTask()
            let opened = try await readEventStream(port: client.port) { _, comments in comments.contains("connected") }
            #expect(opened.events.isEmpty)
            let cursor = try #require(opened.cursor, "the connected frame carries the stream's cursor as its id")
            #expect(cursor == 1)
            // Created while the client was away: resuming from the cursor delivers it; without
            // an id to resume from, the client would have started again at the next new event.
            let missed = try await client.createTask()
            let resumed = try await readEventStream(port: client.port, headers: [("Last-Event-ID", "\(cursor)")]) { events, _ in !events.isEmpty }
            #expect(resumed.events.first?.id == 2)
            #expect(resumed.events.first?.object[int: "webTaskId"] == missed)
        }
    }

    @Test func shutdownEndsOpenStreams() async throws {
        let stopping = NIOLockedValueBox(ContinuousClock.now)
        let reader = try await withTaskPilot(testConfiguration(database: folder.path("shutdown.sqlite"))) { client in
            let port = client.port
            let open = NIOLockedValueBox(false)
            let reader = Task {
                try await readEventStream(port: port, timeout: .seconds(20), connected: { open.withLockedValue { $0 = true } }) { _, _ in false }
            }
            while !open.withLockedValue({ $0 }) {
                try await Task.sleep(for: .milliseconds(20))
            }
            stopping.withLockedValue { $0 = .now }
            return reader
        }
        let (status, _, comments, _) = try await reader.value
        #expect(status == 200 && comments == ["connected"])
        #expect(ContinuousClock.now - stopping.withLockedValue { $0 } < .seconds(10), "the server ended the stream instead of waiting for it")
    }

    @Test func prunedEventsAnswerResetThenTheLiveStream() async throws {
        let database = folder.path("retention.sqlite")
        let configuration = testConfiguration(database: database)
        try await withTaskPilot(configuration) { client in
            for _ in 0..<4 { _ = try await client.createTask() }
        }
        // Events 1 to 3 written long ago: pruned when TaskPilot starts.
        _ = try await TestDatabase.rows(database, "UPDATE events SET at = '2020-01-01T00:00:00.000Z' WHERE id <= 3")
        try await withTaskPilot(configuration) { client in
            #expect(try await eventually {
                let items = try await client.send(.get, "/api/events", headers: [.accept: "application/json"]).object["items"] as? [Any]
                return items?.count == 1
            })
            let page = try await client.send(.get, "/api/events?after=1", headers: [.accept: "application/json"]).object
            #expect(page["reset"] as? Bool == true)
            #expect(page[int: "nextAfter"] == 4)
            #expect(try await client.send(.get, "/api/events?after=3", headers: [.accept: "application/json"]).object["reset"] as? Bool == false)
            let port = client.port
            async let stream = readEventStream(port: port, headers: [("Last-Event-ID", "1")]) { events, _ in events.count >= 2 }
            try await Task.sleep(for: .milliseconds(300))
            _ = try await client.createTask()
            let (_, events, _, _) = try await stream
            #expect(events.map(\.type) == ["reset", "task.created"])
            #expect(events.compactMap(\.id) == [4, 5], "the reset moves Last-Event-ID to the newest event")
            let future = try await readEventStream(port: port, query: "?after=99", timeout: .seconds(1)) { events, _ in !events.isEmpty }
            #expect(future.events.first?.type == "reset", "an id never given cannot be resumed either")
        }
    }

    @Test func badParametersAre400() async throws {
        try await withTaskPilot(testConfiguration(database: folder.path("bad.sqlite"))) { client in
            for (query, headers) in [
                ("?after=-1", [:]), ("?after=01", [:]), ("?taskId=0", [:]), ("?colour=red", [:]),
                ("?limit=5", [:]), ("?after=1", [HTTPField.Name("Last-Event-ID")!: "x"]),
            ] as [(String, HTTPFields)] {
                let response = try await client.send(.get, "/api/events\(query)", headers: headers)
                #expect(response.status == .badRequest, "\(query)")
                #expect(response.headers[.contentType] == "application/json")
            }
            let tooMany = try await client.send(.get, "/api/events?limit=100000", headers: [.accept: "application/json"])
            #expect(tooMany.status == .badRequest)
        }
    }
}
