import Foundation
import SQLiteDB

/// The reference scheduler's tasks and the worker's state machine over them.
///
/// Every task is kept in the scheduler's SQLite file; the unfinished ones are also kept here,
/// as the worker's work list and the fast path for reads. Changes run one at a time and each is
/// committed to the file before it is applied here, so the scheduler never answers with a state
/// that a restart would lose.
actor TaskStore {
    private let database: Database
    private let timing: SchedulerTiming
    /// This run's worker: a restart is a new worker, as a new DTP worker process would be.
    private let workerId: String
    /// Tasks not yet in a terminal state, as committed.
    private var unfinished: [Int64: SchedulerTask]
    private var changing = false
    private var waitingToChange: [CheckedContinuation<Void, Never>] = []

    /// Opens the store on `database`, creating its table on first use, and takes up the tasks
    /// that the previous run left unfinished.
    init(database: Database, timing: SchedulerTiming, now: Date = Date()) async throws {
        let workerId = UUID().uuidString.lowercased()
        let unfinished = try await database.write { connection in
            try connection.execute(TaskTable.schema)
            var tasks = try TaskTable.unfinished(in: connection)
            // An attempt that was PROCESSING died with the previous run. It starts over under this
            // run's worker and keeps its attempt number, since it never got to succeed or fail.
            for index in tasks.indices where tasks[index].status == .processing {
                tasks[index].processingStartedAt = now
                tasks[index].workerId = workerId
                tasks[index].updatedAt = now
                try TaskTable.update(tasks[index], in: connection)
            }
            return Dictionary(uniqueKeysWithValues: tasks.map { ($0.id, $0) })
        }
        self.database = database
        self.timing = timing
        self.workerId = workerId
        self.unfinished = unfinished
    }

    func create(type: String, payload: String, now: Date = Date()) async throws -> SchedulerTask {
        await beginChange()
        defer { endChange() }
        let delay = TaskBehavior(type: type) == .slow ? timing.slowPendingDelay : timing.pendingDelay
        let scheduledFor = now + delay.timeInterval
        let maxAttempts = timing.maxAttempts
        let task = try await database.write { connection in
            try TaskTable.insert(
                type: type, payload: payload, createdAt: now, scheduledFor: scheduledFor, maxAttempts: maxAttempts,
                in: connection
            )
        }
        unfinished[task.id] = task
        return task
    }

    func task(_ id: Int64) async throws -> SchedulerTask? {
        if let task = unfinished[id] {
            return task
        }
        return try await database.read { connection in try TaskTable.find(id, in: connection) }
    }

    enum CancelResult {
        case canceled(SchedulerTask)
        case notCancelable(SchedulerTask.Status)
        case notFound
    }

    /// Only a PENDING task can be cancelled.
    func cancel(_ id: Int64, now: Date = Date()) async throws -> CancelResult {
        await beginChange()
        defer { endChange() }
        guard var task = unfinished[id] else {
            // Creates are changes too, so a task that is not here has finished, or does not exist.
            let stored = try await database.read { connection in try TaskTable.find(id, in: connection) }
            return stored.map { .notCancelable($0.status) } ?? .notFound
        }
        guard task.status == .pending else { return .notCancelable(task.status) }
        task.status = .canceled
        task.updatedAt = now
        try await database.write { [task] connection in try TaskTable.update(task, in: connection) }
        unfinished[id] = nil
        return .canceled(task)
    }

    /// Moves every unfinished task at most one step along its lifecycle.
    func advance(now: Date = Date()) async throws {
        await beginChange()
        defer { endChange() }
        var changed: [SchedulerTask] = []
        for var task in unfinished.values {
            let before = task.status
            step(&task, now: now)
            guard task.status != before else { continue }
            task.updatedAt = now
            changed.append(task)
        }
        guard !changed.isEmpty else { return }
        try await database.write { [changed] connection in
            for task in changed {
                try TaskTable.update(task, in: connection)
            }
        }
        for task in changed {
            unfinished[task.id] = [.succeeded, .dead, .canceled].contains(task.status) ? nil : task
        }
    }

    /// Waits for the running change to end. The actor alone would let a cancel slip in while a
    /// tick awaits its commit, and the tick would then overwrite it.
    private func beginChange() async {
        guard changing else {
            changing = true
            return
        }
        await withCheckedContinuation { waitingToChange.append($0) }
    }

    /// Hands the turn to the next waiting change, first come first served.
    private func endChange() {
        if waitingToChange.isEmpty {
            changing = false
        } else {
            waitingToChange.removeFirst().resume()
        }
    }

    private func step(_ task: inout SchedulerTask, now: Date) {
        switch task.status {
        case .pending where task.scheduledFor <= now:
            task.status = .enqueued
        case .enqueued:
            task.status = .processing
            task.attemptCount += 1
            task.processingStartedAt = now
            task.workerId = workerId
            task.nextRunAt = nil
        case .processing where (task.processingStartedAt ?? now) + timing.processingTime.timeInterval <= now:
            finishAttempt(&task, now: now)
        case .failed where (task.nextRunAt ?? now) <= now:
            task.status = .enqueued
        default:
            break
        }
    }

    private func finishAttempt(_ task: inout SchedulerTask, now: Date) {
        guard TaskBehavior(type: task.type) == .fail else {
            task.status = .succeeded
            task.completedAt = now
            return
        }
        task.lastError = "\(task.type): simulated failure on attempt \(task.attemptCount)"
        if task.attemptCount >= task.maxAttempts {
            task.status = .dead
            task.completedAt = now
        } else {
            task.status = .failed
            let backoff = timing.retryBackoff.timeInterval * pow(2, Double(task.attemptCount - 1))
            task.nextRunAt = now + backoff
        }
    }
}

extension Duration {
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
