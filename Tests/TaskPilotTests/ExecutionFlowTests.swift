import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLiteDB
import TaskPilot
import Testing

/// The seed's flow and scenario table, end to end against the reference scheduler.
@Suite struct ExecutionFlowTests {
    let folder = TemporaryFolder()

    @Test func theSeedsExampleFlow() async throws {
        try await withScheduler(fastReferenceScheduler()) { url, scheduler in
            try await withTaskPilot(testConfiguration(database: folder.path("flow.sqlite"), schedulerURL: url)) { client in
                let id = try await client.createTask(type: "demo", payload: "hello")

                let bound = try await client.send(.post, "/api/tasks/\(id)/scheduler")
                #expect(bound.status == .ok)
                let schedulerTaskId = try #require(bound.object[int: "schedulerTaskId"])
                #expect(bound.object["status"] as? String == "PENDING", "the web task keeps its own status")

                // The DTP task was created with the payload naming the web task.
                let created = try await scheduler.send(.get, "/tasks/\(schedulerTaskId)")
                #expect(created.object["payload"] as? String == #"{"webTaskId":\#(id),"type":"demo","payload":"hello"}"#)
                #expect(created.object["type"] as? String == "demo")

                var execution = try await client.send(.get, "/api/tasks/\(id)/execution")
                #expect(try await eventually {
                    execution = try await client.send(.get, "/api/tasks/\(id)/execution")
                    return execution.object["status"] as? String == "SUCCEEDED"
                })
                #expect(execution.status == .ok)
                #expect(execution.source == "scheduler")
                #expect(execution.headers[.contentType] == "application/json")
                #expect(execution.object["retryState"] as? String == "COMPLETED")
                #expect(execution.object["attemptCount"] as? Int == 1)
                let direct = try await scheduler.send(.get, "/tasks/\(schedulerTaskId)")
                #expect(execution.body == direct.body, "the DTP's body passes through byte for byte")

                let cancel = try await client.send(.put, "/api/tasks/\(id)/execution/cancel")
                #expect(cancel.status == .conflict)
                #expect(cancel.text == #"{"message":"Cannot cancel task in state SUCCEEDED"}"#)
                #expect(cancel.source == "scheduler")

                let webTask = try await client.send(.get, "/api/tasks/\(id)")
                #expect(webTask.object["status"] as? String == "PENDING", "execution state never leaks into the web task")
            }
        }
    }

    @Test func cancelScenarioTable() async throws {
        try await withScheduler(fastReferenceScheduler()) { url, _ in
            try await withTaskPilot(testConfiguration(database: folder.path("cancel.sqlite"), schedulerURL: url)) { client in
                // A pending execution: the DTP's 200 with the task now CANCELED.
                let slow = try await client.createTask(type: "demo-slow")
                _ = try await client.send(.post, "/api/tasks/\(slow)/scheduler")
                let canceled = try await client.send(.put, "/api/tasks/\(slow)/execution/cancel")
                #expect(canceled.status == .ok)
                #expect(canceled.source == "scheduler")
                #expect(canceled.object["status"] as? String == "CANCELED")
                #expect(canceled.object["retryState"] as? String == "CANCELED")
                let again = try await client.send(.put, "/api/tasks/\(slow)/execution/cancel")
                #expect(again.status == .conflict)
                #expect(again.text == #"{"message":"Cannot cancel task in state CANCELED"}"#)

                // An unbound web task: TaskPilot's own 409, not the scheduler's.
                let unbound = try await client.createTask()
                for (method, path) in [(HTTPRequest.Method.put, "execution/cancel"), (.get, "execution")] {
                    let response = try await client.send(method, "/api/tasks/\(unbound)/\(path)")
                    #expect(response.status == .conflict)
                    #expect(response.source == nil)
                    #expect(response.object["message"] as? String == "Task \(unbound) is not bound to a scheduler task")
                    #expect(response.object["path"] as? String == "/api/tasks/\(unbound)/\(path)")
                }

                // An unknown web task: 404.
                let missing = try await client.send(.put, "/api/tasks/999/execution/cancel")
                #expect(missing.status == .notFound)
                #expect(try await client.send(.get, "/api/tasks/999/execution").status == .notFound)
            }
        }
    }

    @Test func aFailingTaskEndsDeadAfterItsRetries() async throws {
        // Each attempt stays PROCESSING for 500 ms, so polling sees the way to DEAD, not only its
        // end, however busy the machine is (the whole suite on PostgreSQL keeps both cores busy).
        try await withScheduler(fastReferenceScheduler(processingTime: .milliseconds(500))) { url, _ in
            try await withTaskPilot(testConfiguration(database: folder.path("dead.sqlite"), schedulerURL: url)) { client in
                let id = try await client.createTask(type: "demo-fail")
                _ = try await client.send(.post, "/api/tasks/\(id)/scheduler")
                var seen: Set<String> = []
                var execution = try await client.send(.get, "/api/tasks/\(id)/execution")
                #expect(try await eventually {
                    execution = try await client.send(.get, "/api/tasks/\(id)/execution")
                    seen.insert(execution.object["status"] as? String ?? "")
                    return execution.object["status"] as? String == "DEAD"
                })
                #expect(seen.contains("FAILED") || seen.contains("PROCESSING"))
                #expect(execution.object["attemptCount"] as? Int == 3)
                #expect(execution.object["retryState"] as? String == "DEAD (no retries)")
                #expect((execution.object["lastError"] as? String)?.contains("attempt 3") == true)
            }
        }
    }

    @Test func bindRules() async throws {
        try await withScheduler(fastReferenceScheduler()) { url, scheduler in
            try await withTaskPilot(testConfiguration(database: folder.path("bind.sqlite"), schedulerURL: url)) { client in
                let first = try await client.createTask()
                let bound = try await client.send(.post, "/api/tasks/\(first)/scheduler", json: "{}")
                let dtpId = try #require(bound.object[int: "schedulerTaskId"])
                #expect(bound.object["bindingOrigin"] as? String == "CREATED")

                // Already bound: the same binding again, nothing created.
                for body in [nil, "{}", #"{"schedulerTaskId":\#(dtpId)}"#] {
                    let again = try await client.send(.post, "/api/tasks/\(first)/scheduler", json: body)
                    #expect(again.status == .ok)
                    #expect(again.object[int: "schedulerTaskId"] == dtpId)
                }
                #expect(try await scheduler.send(.get, "/tasks/\(dtpId + 1)").status == .notFound, "no second DTP task")

                let other = try await client.send(.post, "/api/tasks/\(first)/scheduler", json: #"{"schedulerTaskId":\#(dtpId + 100)}"#)
                #expect(other.status == .conflict)
                #expect(other.object["message"] as? String == "Task \(first) is already bound to scheduler task \(dtpId)")

                // A DTP task has one owner: a second web task cannot attach to it.
                let second = try await client.createTask()
                let taken = try await client.send(.post, "/api/tasks/\(second)/scheduler", json: #"{"schedulerTaskId":\#(dtpId)}"#)
                #expect(taken.status == .conflict)
                #expect(taken.source == nil)
                #expect(taken.object["message"] as? String == "Scheduler task \(dtpId) is already bound to task \(first)")
                #expect(try await client.send(.get, "/api/tasks/\(second)").object["schedulerTaskId"] is NSNull)
                #expect(try await client.send(.get, "/api/tasks/\(second)").object["bindingOrigin"] is NSNull)

                // Attach a web task to a DTP task made elsewhere.
                let elsewhere = try await scheduler.send(.post, "/tasks", json: #"{"type":"demo","payload":"made elsewhere"}"#)
                let elsewhereId = try #require(elsewhere.object[int: "id"])
                let attached = try await client.send(.post, "/api/tasks/\(second)/scheduler", json: #"{"schedulerTaskId":\#(elsewhereId)}"#)
                #expect(attached.status == .ok)
                #expect(attached.object[int: "schedulerTaskId"] == elsewhereId)
                #expect(attached.object["bindingOrigin"] as? String == "ATTACHED")

                // Attach to a DTP task that does not exist: the DTP's 404, nothing stored.
                let third = try await client.createTask()
                let missing = try await client.send(.post, "/api/tasks/\(third)/scheduler", json: #"{"schedulerTaskId":424242}"#)
                #expect(missing.status == .notFound)
                #expect(missing.source == "scheduler")
                #expect(missing.text == #"{"message":"Task not found: 424242"}"#)
                #expect(try await client.send(.get, "/api/tasks/\(third)").object["schedulerTaskId"] is NSNull)

                // A canceled web task cannot be bound.
                _ = try await client.send(.put, "/api/tasks/\(third)/cancel")
                let canceled = try await client.send(.post, "/api/tasks/\(third)/scheduler")
                #expect(canceled.status == .conflict)
                #expect(canceled.object["message"] as? String == "Task \(third) is CANCELED and cannot be bound")

                #expect(try await client.send(.post, "/api/tasks/777/scheduler").status == .notFound)

                #expect(try await client.pages("/api/tasks?bound=true") == [second, first])
                #expect(try await client.pages("/api/tasks?bound=false") == [third])
            }
        }
    }

    @Test(arguments: [
        #"{"schedulerTaskId":"5"}"#, #"{"schedulerTaskId":0}"#, #"{"schedulerTaskId":-3}"#,
        #"{"schedulerTaskId":1.5}"#, #"{"schedulerTaskId":99999999999999999999}"#, #"{"schedulerTaskId":true}"#,
        "[5]", "nonsense",
    ])
    func badBindBodiesAnswer400AndStoreNothing(body: String) async throws {
        try await withTaskPilot(testConfiguration(database: folder.path("badbind.sqlite"))) { client in
            let id = try await client.createTask()
            let response = try await client.send(.post, "/api/tasks/\(id)/scheduler", json: body)
            #expect(response.status == .badRequest)
            #expect(response.source == nil)
            #expect(try await client.send(.get, "/api/tasks/\(id)").object["schedulerTaskId"] is NSNull)
        }
    }

    @Test func commandLogRecordsBindsAndCancels() async throws {
        let path = folder.path("log.sqlite")
        let dtpId = try await withScheduler(fastReferenceScheduler()) { url, _ in
            try await withTaskPilot(testConfiguration(database: path, schedulerURL: url)) { client in
                let id = try await client.createTask(type: "demo-slow")
                let bound = try await client.send(.post, "/api/tasks/\(id)/scheduler")
                _ = try await client.send(.put, "/api/tasks/\(id)/execution/cancel")
                _ = try await client.send(.put, "/api/tasks/\(id)/execution/cancel")
                _ = try await client.send(.post, "/api/tasks/\(try await client.createTask())/scheduler", json: #"{"schedulerTaskId":999}"#)
                return try #require(bound.object[int: "schedulerTaskId"])
            }
        }
        let rows = try await TestDatabase.rows(
            path, "SELECT web_task_id, command, scheduler_task_id, http_status, message, finished_at IS NOT NULL FROM scheduler_commands ORDER BY id"
        ).map { $0.joined(separator: " ") }
        #expect(rows == [
            "1 CREATE \(dtpId) 201 - 1",
            "1 CANCEL \(dtpId) 200 - 1",
            "1 CANCEL \(dtpId) 409 Cannot cancel task in state CANCELED 1",
            "2 ATTACH 999 404 Task not found: 999 1",
        ])
    }

    @Test func bindingsSurviveARestart() async throws {
        try await withScheduler(fastReferenceScheduler()) { url, _ in
            let configuration = testConfiguration(database: folder.path("restart.sqlite"), schedulerURL: url)
            let bindings = try await withTaskPilot(configuration) { client in
                var bindings: [Int64: Int64] = [:]
                for _ in 0..<3 {
                    let id = try await client.createTask(type: "demo-slow")
                    bindings[id] = try await client.send(.post, "/api/tasks/\(id)/scheduler").object[int: "schedulerTaskId"]
                }
                return bindings
            }
            try await withTaskPilot(configuration) { client in
                for (id, dtpId) in bindings {
                    let execution = try await client.send(.get, "/api/tasks/\(id)/execution")
                    #expect(execution.status == .ok)
                    #expect(execution.object[int: "id"] == dtpId)
                    #expect(execution.object["status"] as? String == "PENDING")
                }
            }
        }
    }
}
