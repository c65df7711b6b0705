import OrderedJSON

/// Routes intent to the DTP: bind a web task to a DTP task, query its execution, cancel it.
/// TaskPilot never interprets execution state; the DTP's answers go back as they came.
public struct ExecutionService: Sendable {
    let repository: any WebTaskRepository
    let commandLog: any CommandLog
    let gateway: any SchedulerGateway
    let observations: any ExecutionObservationRepository
    let recorder: ObservationRecorder
    let locks: any TaskLocks
    private let bindings = BindingCache()

    public init(
        repository: any WebTaskRepository, commandLog: any CommandLog, gateway: any SchedulerGateway,
        observations: any ExecutionObservationRepository, recorder: ObservationRecorder, locks: any TaskLocks
    ) {
        self.locks = locks
        self.repository = repository
        self.commandLog = commandLog
        self.gateway = gateway
        self.observations = observations
        self.recorder = recorder
    }

    /// What a bind came to: the web task as now bound, or the DTP's refusal, unchanged.
    public enum BindResult: Sendable {
        case bound(WebTask)
        case rejected(SchedulerAnswer)
    }

    /// Binds `webTaskId` to a new DTP task, or to `schedulerTaskId` when given.
    ///
    /// Binds and cancels of one web task run one at a time (`TaskLocks`, across replicas on
    /// PostgreSQL), so concurrent callers create one DTP task and all see it. No database transaction is held across the DTP call; the binding is
    /// stored only once the DTP has answered, so a failed bind stores nothing.
    public func bind(webTaskId: Int64, schedulerTaskId requested: Int64?) async throws -> BindResult {
        try await locks.withLock(webTaskId: webTaskId) {
            guard let task = try await repository.find(id: webTaskId) else {
                throw TaskPilotError.taskNotFound(webTaskId)
            }
            if let existing = task.schedulerTaskId {
                guard requested == nil || requested == existing else {
                    throw TaskPilotError.conflict("Task \(webTaskId) is already bound to scheduler task \(existing)")
                }
                return .bound(task)
            }
            guard task.status == .pending else {
                throw TaskPilotError.conflict("Task \(webTaskId) is \(task.status.rawValue) and cannot be bound")
            }
            if let requested {
                return try await attach(task, to: requested)
            }
            return try await createAndBind(task)
        }
    }

    /// `GET /tasks/{id}` on the DTP for a bound web task. The answer is recorded as an
    /// observation after it is returned, never before. When the DTP cannot be asked, the error
    /// carries the last observation, so that a client can show the last known state as such.
    public func execution(webTaskId: Int64) async throws -> SchedulerAnswer {
        let (schedulerTaskId, _) = try await boundSchedulerTask(webTaskId)
        let answer: SchedulerAnswer
        do {
            answer = try await gateway.getTask(id: schedulerTaskId)
        } catch {
            let lastObserved = try? await repository.find(id: webTaskId)?.execution
            throw ExecutionUnavailableError(error: error.taskPilotError, lastObserved: lastObserved)
        }
        switch answer.status {
        case 200: recorder.record(answer, webTaskId: webTaskId, schedulerTaskId: schedulerTaskId, source: .query)
        case 404: recorder.recordLost(webTaskId: webTaskId, schedulerTaskId: schedulerTaskId, source: .query)
        default: break
        }
        return answer
    }

    /// `PUT /tasks/{id}/cancel` on the DTP for a bound web task, recorded in the command log.
    /// Only the DTP task's owner may cancel it, never a web task that shares it from before
    /// one-owner bindings.
    public func cancelExecution(webTaskId: Int64) async throws -> SchedulerAnswer {
        let (schedulerTaskId, sharedWith) = try await boundSchedulerTask(webTaskId)
        if let owner = sharedWith {
            throw TaskPilotError.conflict(
                "Scheduler task \(schedulerTaskId) is owned by task \(owner); task \(webTaskId) shares it from before one-owner bindings, so cancel it through task \(owner)"
            )
        }
        let (answer, outcome) = try await send(.cancel, webTaskId: webTaskId, schedulerTaskId: schedulerTaskId) {
            try await gateway.cancelTask(id: schedulerTaskId)
        }
        let observed = recorder.heard(answer, webTaskId: webTaskId, schedulerTaskId: schedulerTaskId, source: .cancel)
        try await observations.finishCancel(outcome, webTaskId: webTaskId, schedulerTaskId: schedulerTaskId, observation: observed?.observation)
        if let observed {
            recorder.announce(WatchTarget(webTaskId: webTaskId, schedulerTaskId: schedulerTaskId, status: observed.observation.status))
        }
        return answer
    }

    /// A page of the commands sent to the DTP for a web task, newest first.
    public func commands(webTaskId: Int64, before: Int64?, limit: Int) async throws -> CommandLogPage {
        // One more than asked tells whether another page follows.
        guard var items = try await commandLog.entries(webTaskId: webTaskId, before: before, limit: limit + 1) else {
            throw TaskPilotError.taskNotFound(webTaskId)
        }
        let more = items.count > limit
        items = Array(items.prefix(limit))
        return CommandLogPage(items: items, nextBefore: more ? items.last?.id : nil)
    }

    private func attach(_ task: WebTask, to schedulerTaskId: Int64) async throws -> BindResult {
        if let owner = try await repository.owner(ofSchedulerTask: schedulerTaskId) {
            throw Self.alreadyOwned(schedulerTaskId, by: owner)
        }
        let (answer, outcome) = try await send(.attach, webTaskId: task.id, schedulerTaskId: schedulerTaskId) {
            try await gateway.getTask(id: schedulerTaskId)
        }
        guard answer.status == 200 else {
            try await commandLog.finish(outcome)
            return .rejected(answer)
        }
        switch try await storeBinding(task, to: schedulerTaskId, origin: .attached, answer: answer, completing: outcome) {
        case .bound(let task): return .bound(task)
        case .ownedBy(let owner): throw Self.alreadyOwned(schedulerTaskId, by: owner)
        case .notFound: throw TaskPilotError.taskNotFound(task.id)
        }
    }

    private func createAndBind(_ task: WebTask) async throws -> BindResult {
        let (result, outcome) = try await send(.create, webTaskId: task.id, schedulerTaskId: nil) {
            try await gateway.createTask(type: task.type, payload: Self.schedulerPayload(for: task))
        }
        switch result {
        case .rejected(let answer):
            try await commandLog.finish(outcome)
            return .rejected(answer)
        case .created(let id, let answer):
            switch try await storeBinding(task, to: id, origin: .created, answer: answer, completing: outcome) {
            case .bound(let task):
                return .bound(task)
            case .ownedBy(let owner):
                // A DTP that hands out an id it gave before has lost its own records.
                throw TaskPilotError.badGateway("Scheduler at \(gateway.baseURL) created task \(id), an id it gave before: task \(owner) is bound to it")
            case .notFound:
                throw TaskPilotError.taskNotFound(task.id)
            }
        }
    }

    /// Stores the binding with the DTP's answer as its first observation, and tells the watcher
    /// about a binding that holds.
    private func storeBinding(
        _ task: WebTask, to schedulerTaskId: Int64, origin: BindingOrigin, answer: SchedulerAnswer, completing outcome: CommandOutcome
    ) async throws -> BindStoreResult {
        let observed = recorder.heard(answer, webTaskId: task.id, schedulerTaskId: schedulerTaskId, source: .bind)
        let result = try await repository.bind(
            webTaskId: task.id, schedulerTaskId: schedulerTaskId, origin: origin, completing: outcome, observation: observed?.observation
        )
        if case .bound = result {
            recorder.announce(WatchTarget(webTaskId: task.id, schedulerTaskId: schedulerTaskId, status: observed?.observation.status))
        }
        return result
    }

    static func alreadyOwned(_ schedulerTaskId: Int64, by owner: Int64) -> TaskPilotError {
        .conflict("Scheduler task \(schedulerTaskId) is already bound to task \(owner)")
    }

    /// The DTP task a web task is bound to, and the owner it shares it with, if it does.
    private func boundSchedulerTask(_ webTaskId: Int64) async throws -> (Int64, sharedWith: Int64?) {
        if let schedulerTaskId = bindings.schedulerTaskId(boundTo: webTaskId) {
            return (schedulerTaskId, nil)
        }
        switch try await repository.executionTarget(webTaskId: webTaskId) {
        case .bound(let schedulerTaskId):
            bindings.remember(webTaskId: webTaskId, schedulerTaskId: schedulerTaskId)
            return (schedulerTaskId, nil)
        case .shared(let schedulerTaskId, let owner):
            return (schedulerTaskId, owner)
        case .unbound:
            throw TaskPilotError.conflict("Task \(webTaskId) is not bound to a scheduler task")
        case .notFound:
            throw TaskPilotError.taskNotFound(webTaskId)
        }
    }

    /// Records the command before calling the DTP, so that even a call TaskPilot does not live
    /// to see answered is on record. A transport failure is recorded here; an answer comes back
    /// with its outcome for the caller to record, together with whatever it stores.
    private func send<Result: SchedulerOutcome>(
        _ command: SchedulerCommand,
        webTaskId: Int64,
        schedulerTaskId: Int64?,
        _ call: () async throws -> Result
    ) async throws -> (Result, CommandOutcome) {
        let record = try await commandLog.start(
            command, webTaskId: webTaskId, schedulerTaskId: schedulerTaskId, requestId: RequestTrace.current?.requestId
        )
        do {
            let result = try await call()
            return (result, CommandOutcome(record: record, schedulerTaskId: result.schedulerTaskId, httpStatus: result.answer.status, message: result.answer.message))
        } catch let error as SchedulerError {
            try await commandLog.finish(CommandOutcome(record: record, httpStatus: error.httpStatus, message: error.description))
            throw error.taskPilotError
        }
    }

    /// The payload TaskPilot sends on create: a JSON string naming the web task.
    static func schedulerPayload(for task: WebTask) -> String {
        var object = JSONObject()
        object.add("webTaskId", task.id)
        object.add("type", task.type)
        object.add("payload", task.payload)
        return object.json
    }
}

/// A DTP call's outcome as the command log records it.
protocol SchedulerOutcome: Sendable {
    var answer: SchedulerAnswer { get }
    /// The DTP task id the call revealed (a create's new id), if any.
    var schedulerTaskId: Int64? { get }
}

extension SchedulerAnswer: SchedulerOutcome {
    var answer: SchedulerAnswer { self }
    var schedulerTaskId: Int64? { nil }
}

extension SchedulerCreateResult: SchedulerOutcome {
    var answer: SchedulerAnswer {
        switch self {
        case .created(_, let answer), .rejected(let answer): answer
        }
    }

    var schedulerTaskId: Int64? {
        if case .created(let id, _) = self { return id }
        return nil
    }
}
