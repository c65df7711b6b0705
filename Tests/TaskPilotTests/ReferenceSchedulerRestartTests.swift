import Foundation
import HummingbirdTesting
import TaskPilot
import Testing

/// The reference scheduler keeps its word across restarts: its tasks live in a SQLite file of its
/// own, so a restart on the same file loses none, hands out no id twice and takes up the work.
@Suite struct ReferenceSchedulerRestartTests {
    let folder = TemporaryFolder()
    var database: String { folder.path("dev-scheduler.sqlite") }

    @Test func tasksSurviveARestartUnchanged() async throws {
        let before = try await withScheduler(fastReferenceScheduler(database: database)) { _, dtp in
            let waiting = try await dtp.createSchedulerTask(type: "demo-slow")
            let succeeded = try await dtp.createSchedulerTask(type: "demo")
            let canceled = try await dtp.createSchedulerTask(type: "demo-slow")
            #expect(try await dtp.send(.put, "/tasks/\(canceled)/cancel").status == .ok)
            #expect(try await eventually { try await dtp.status(of: succeeded) == "SUCCEEDED" })
            var bodies: [Int64: String] = [:]
            for id in [waiting, succeeded, canceled] {
                bodies[id] = try await dtp.send(.get, "/tasks/\(id)").text
            }
            return bodies
        }
        let after = try await withScheduler(fastReferenceScheduler(database: database)) { _, dtp in
            var bodies: [Int64: String] = [:]
            for id in before.keys {
                bodies[id] = try await dtp.send(.get, "/tasks/\(id)").text
            }
            return bodies
        }
        #expect(after == before)
    }

    @Test func anIdIsNeverHandedOutTwice() async throws {
        let earlier = try await withScheduler(fastReferenceScheduler(database: database)) { _, dtp in
            var ids: [Int64] = []
            for _ in 0..<3 {
                ids.append(try await dtp.createSchedulerTask(type: "demo"))
            }
            return ids
        }
        let next = try await withScheduler(fastReferenceScheduler(database: database)) { _, dtp in
            try await dtp.createSchedulerTask(type: "demo")
        }
        #expect(next > (earlier.max() ?? .max))
    }

    @Test func aPendingDemoTaskSucceedsAfterARestart() async throws {
        // A PENDING long enough to stop the scheduler inside it.
        let id = try await withScheduler(fastReferenceScheduler(database: database, pendingDelay: .seconds(2))) { _, dtp in
            let id = try await dtp.createSchedulerTask(type: "demo")
            #expect(try await dtp.status(of: id) == "PENDING")
            return id
        }
        try await withScheduler(fastReferenceScheduler(database: database)) { _, dtp in
            var task: [String: Any] = [:]
            let succeeded = try await eventually(timeout: .seconds(10)) {
                task = try await dtp.send(.get, "/tasks/\(id)").object
                return task["status"] as? String == "SUCCEEDED"
            }
            #expect(succeeded)
            #expect(task["attemptCount"] as? Int == 1)
        }
    }

    @Test func anInterruptedAttemptStartsOverAfterARestart() async throws {
        // A PROCESSING long enough to stop the scheduler inside it.
        let (id, firstWorker) = try await withScheduler(fastReferenceScheduler(database: database, processingTime: .seconds(60))) { _, dtp in
            let id = try await dtp.createSchedulerTask(type: "demo")
            var task: [String: Any] = [:]
            #expect(try await eventually {
                task = try await dtp.send(.get, "/tasks/\(id)").object
                return task["status"] as? String == "PROCESSING"
            })
            return (id, try #require(task["workerId"] as? String))
        }
        try await withScheduler(fastReferenceScheduler(database: database)) { _, dtp in
            var task: [String: Any] = [:]
            let succeeded = try await eventually {
                task = try await dtp.send(.get, "/tasks/\(id)").object
                return task["status"] as? String == "SUCCEEDED"
            }
            #expect(succeeded)
            #expect(task["attemptCount"] as? Int == 1, "the lost attempt is not counted twice")
            #expect(task["workerId"] as? String != firstWorker, "this run's worker did the attempt over")
        }
    }

    @Test func cancelWorksAfterARestart() async throws {
        let (waiting, succeeded) = try await withScheduler(fastReferenceScheduler(database: database)) { _, dtp in
            let waiting = try await dtp.createSchedulerTask(type: "demo-slow")
            let succeeded = try await dtp.createSchedulerTask(type: "demo")
            #expect(try await eventually { try await dtp.status(of: succeeded) == "SUCCEEDED" })
            return (waiting, succeeded)
        }
        try await withScheduler(fastReferenceScheduler(database: database)) { _, dtp in
            let canceled = try await dtp.send(.put, "/tasks/\(waiting)/cancel")
            #expect(canceled.status == .ok)
            #expect(canceled.object["status"] as? String == "CANCELED")
            let finished = try await dtp.send(.put, "/tasks/\(succeeded)/cancel")
            #expect(finished.status == .conflict)
            #expect(finished.text == #"{"message":"Cannot cancel task in state SUCCEEDED"}"#)
        }
        // The cancel itself is kept too.
        try await withScheduler(fastReferenceScheduler(database: database)) { _, dtp in
            #expect(try await dtp.status(of: waiting) == "CANCELED")
            let again = try await dtp.send(.put, "/tasks/\(waiting)/cancel")
            #expect(again.text == #"{"message":"Cannot cancel task in state CANCELED"}"#)
        }
    }

    /// The issue as a user met it: after both restarted, a web task's execution was another's.
    @Test func executionsStayWithTheirWebTasksAcrossARestart() async throws {
        let taskPilotDatabase = folder.path("taskpilot.sqlite")
        let first = try await withScheduler(fastReferenceScheduler(database: database)) { url, _ in
            try await withTaskPilot(testConfiguration(database: taskPilotDatabase, schedulerURL: url)) { client in
                let id = try await client.createTask(payload: "first")
                #expect(try await client.send(.post, "/api/tasks/\(id)/scheduler").status == .ok)
                return id
            }
        }
        try await withScheduler(fastReferenceScheduler(database: database)) { url, _ in
            try await withTaskPilot(testConfiguration(database: taskPilotDatabase, schedulerURL: url)) { client in
                let second = try await client.createTask(payload: "second")
                #expect(try await client.send(.post, "/api/tasks/\(second)/scheduler").status == .ok)
                for (id, payload) in [(first, "first"), (second, "second")] {
                    let execution = try await client.send(.get, "/api/tasks/\(id)/execution")
                    #expect(execution.status == .ok)
                    #expect(execution.object["payload"] as? String == #"{"webTaskId":\#(id),"type":"demo","payload":"\#(payload)"}"#)
                }
            }
        }
    }
}

extension TestClientProtocol {
    /// Creates a task on the scheduler itself and answers its id.
    fileprivate func createSchedulerTask(type: String) async throws -> Int64 {
        let response = try await send(.post, "/tasks", json: #"{"type":"\#(type)","payload":"restart test"}"#)
        #expect(response.status == .created)
        return try #require(response.object[int: "id"])
    }

    fileprivate func status(of id: Int64) async throws -> String? {
        try await send(.get, "/tasks/\(id)").object["status"] as? String
    }
}
