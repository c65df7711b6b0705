import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLiteDB
import TaskPilot
import Testing

/// One DTP task, one owner: enforced by the API and by the schema, and a database that already
/// holds shared bindings keeps them without losing or rewriting any.
@Suite struct OwnershipTests {
    let folder = TemporaryFolder()

    @Test func concurrentAttachesOfManyWebTasksToOneDTPTaskBindOne() async throws {
        let fake = FakeScheduler(createDelay: .milliseconds(50))
        try await withScheduler(fake.application()) { url, scheduler in
            try await withTaskPilot(testConfiguration(database: folder.path("race.sqlite"), schedulerURL: url)) { client in
                _ = try await scheduler.send(.post, "/tasks", json: #"{"type":"demo","payload":"x"}"#)
                var ids: [Int64] = []
                for _ in 0..<8 { ids.append(try await client.createTask()) }
                let answers = try await withThrowingTaskGroup(of: Int.self) { group in
                    for id in ids {
                        group.addTask {
                            try await concurrently(1, port: client.port, .POST, "/api/tasks/\(id)/scheduler", json: #"{"schedulerTaskId":1}"#)[0].status
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(answers.filter { $0 == 200 }.count == 1, "exactly one web task owns DTP task 1")
                #expect(answers.filter { $0 == 409 }.count == 7)
                #expect(try await client.pages("/api/tasks?bound=true").count == 1)
            }
        }
    }

    @Test func theSchemaRefusesASecondOwner() async throws {
        let path = folder.path("schema.sqlite")
        try await withTaskPilot(testConfiguration(database: path)) { client in
            _ = try await client.createTask()
            _ = try await client.createTask()
        }
        await #expect(throws: (any Error).self) {
            try await TestDatabase.rows(path, "INSERT INTO bindings (web_task_id, scheduler_task_id, origin) VALUES (1, 5, 'CREATED'), (2, 5, 'ATTACHED')")
        }
        #expect(try await TestDatabase.rows(path, "SELECT count(*) FROM bindings") == [["0"]])
    }

    /// A database bound before migration 0002 with tasks 1 and 3 sharing DTP task 5.
    func legacyDatabase() async throws -> String {
        let path = folder.path("legacy.sqlite")
        let database = try Database(path: path)
        _ = try await database.writeAlone { try Migrator(migrations: Migration.all.filter { $0.version == 1 }).migrate($0) }
        try await database.write { connection in
            try connection.execute("""
                INSERT INTO web_tasks (id, type) VALUES (1, 'demo'), (2, 'demo'), (3, 'demo');
                INSERT INTO bindings (web_task_id, scheduler_task_id, origin, bound_at) VALUES
                    (1, 5, 'CREATED', '2026-01-01T00:00:00.000Z'),
                    (2, 6, 'CREATED', '2026-01-01T00:00:01.000Z'),
                    (3, 5, 'ATTACHED', '2026-01-01T00:00:02.000Z');
                """)
        }
        try await database.close()
        return path
    }

    @Test(.enabled(if: !TestDatabase.isPostgres, "shared bindings exist only in SQLite files bound before migration 0002"))
    func migrationKeepsSharedBindingsAndNamesTheirOwner() async throws {
        let path = try await legacyDatabase()
        let (database, applied) = try await TaskPilotDatabase.open(path: path)
        #expect(applied.contains(2))
        let rows = try await database.read { connection in
            try connection.query("SELECT web_task_id, scheduler_task_id, origin, bound_at, owned_by FROM bindings ORDER BY web_task_id") {
                "\($0.int(0)) \($0.int(1)) \($0.string(2)) \($0.string(3)) \($0.optionalInt64(4).map(String.init) ?? "-")"
            }
        }
        #expect(rows == [
            "1 5 CREATED 2026-01-01T00:00:00.000Z -",
            "2 6 CREATED 2026-01-01T00:00:01.000Z -",
            "3 5 ATTACHED 2026-01-01T00:00:02.000Z 1",
        ], "every binding is kept as it was; the later sharer names its owner")
        try await database.close()
    }

    @Test(.enabled(if: !TestDatabase.isPostgres, "shared bindings exist only in SQLite files bound before migration 0002"))
    func aSharedBindingIsQueriedButCancelledOnlyThroughItsOwner() async throws {
        let path = try await legacyDatabase()
        let fake = FakeScheduler()
        try await withScheduler(fake.application()) { url, scheduler in
            for _ in 0..<6 { _ = try await scheduler.send(.post, "/tasks", json: #"{"type":"demo","payload":"x"}"#) }
            try await withTaskPilot(testConfiguration(database: path, schedulerURL: url)) { client in
                #expect(try await client.send(.get, "/api/tasks/3").object[int: "schedulerTaskId"] == 5, "shown as it was bound")
                #expect(try await client.send(.get, "/api/tasks/3/execution").status == .ok)
                let before = fake.requests
                let refused = try await client.send(.put, "/api/tasks/3/execution/cancel")
                #expect(refused.status == .conflict)
                #expect(refused.object["message"] as? String
                    == "Scheduler task 5 is owned by task 1; task 3 shares it from before one-owner bindings, so cancel it through task 1")
                #expect(fake.requests == before, "the DTP was not asked")
                let owner = try await client.send(.put, "/api/tasks/1/execution/cancel")
                #expect(owner.status == .ok)
                #expect(owner.source == "scheduler")
            }
        }
    }
}
