import Foundation

/// The reference scheduler's tasks, in memory, and the worker's state machine over them.
actor TaskStore {
    private let timing: SchedulerTiming
    private let workerId = UUID().uuidString.lowercased()
    private var tasks: [Int64: SchedulerTask] = [:]
    /// Tasks not yet in a terminal state: the only ones the worker has to look at.
    private var active: Set<Int64> = []
    private var processingEnds: [Int64: Date] = [:]
    private var lastId: Int64 = 0

    init(timing: SchedulerTiming) {
        self.timing = timing
    }

    func create(type: String, payload: String, now: Date = Date()) -> SchedulerTask {
        lastId += 1
        let delay = TaskBehavior(type: type) == .slow ? timing.slowPendingDelay : timing.pendingDelay
        let task = SchedulerTask(
            id: lastId, type: type, payload: payload,
            createdAt: now, updatedAt: now, scheduledFor: now + delay.timeInterval,
            maxAttempts: timing.maxAttempts
        )
        tasks[task.id] = task
        active.insert(task.id)
        return task
    }

    func task(_ id: Int64) -> SchedulerTask? {
        tasks[id]
    }

    enum CancelResult {
        case canceled(SchedulerTask)
        case notCancelable(SchedulerTask.Status)
        case notFound
    }

    /// Only a PENDING task can be cancelled.
    func cancel(_ id: Int64, now: Date = Date()) -> CancelResult {
        guard var task = tasks[id] else { return .notFound }
        guard task.status == .pending else { return .notCancelable(task.status) }
        task.status = .canceled
        task.updatedAt = now
        tasks[id] = task
        active.remove(id)
        return .canceled(task)
    }

    /// Moves every active task at most one step along its lifecycle.
    func advance(now: Date = Date()) {
        for id in active {
            guard var task = tasks[id] else { continue }
            let before = task.status
            step(&task, now: now)
            guard task.status != before else { continue }
            task.updatedAt = now
            tasks[id] = task
            if [.succeeded, .dead, .canceled].contains(task.status) {
                active.remove(id)
            }
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
            processingEnds[task.id] = now + timing.processingTime.timeInterval
        case .processing where (processingEnds[task.id] ?? now) <= now:
            processingEnds[task.id] = nil
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
