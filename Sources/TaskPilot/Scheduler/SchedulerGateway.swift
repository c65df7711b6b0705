import NIOCore

/// The DTP's answer exactly as it came: status, `Content-Type` and body bytes, never decoded
/// and re-encoded, so that TaskPilot can hand it to the client unchanged.
public struct SchedulerAnswer: Sendable {
    public let status: Int
    public let contentType: String?
    public let body: ByteBuffer
    /// How long the DTP took to answer, from the call's admission to its last byte.
    public let upstreamDuration: Duration

    public init(status: Int, contentType: String?, body: ByteBuffer, upstreamDuration: Duration = .zero) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.upstreamDuration = upstreamDuration
    }

    /// The `message` of a DTP error body (`{"message":"…"}`), for the command log; nil for a
    /// 2xx answer, whose body is a task.
    public var message: String? {
        guard !(200..<300).contains(status), let object = try? JSONObjectBody(body.readableBytesView) else { return nil }
        return try? object.string("message")
    }
}

/// What creating a DTP task came to: its id, or the DTP's refusal to hand back unchanged.
public enum SchedulerCreateResult: Sendable {
    case created(id: Int64, answer: SchedulerAnswer)
    case rejected(SchedulerAnswer)
}

/// The three DTP calls TaskPilot makes. Every path is built from the base URL and an integer
/// id only, so nothing a client sends can change where a call goes.
public protocol SchedulerGateway: Sendable {
    /// The DTP's base URL, named in error messages.
    var baseURL: String { get }
    /// `POST /tasks`.
    func createTask(type: String, payload: String) async throws(SchedulerError) -> SchedulerCreateResult
    /// `GET /tasks/{id}`.
    func getTask(id: Int64) async throws(SchedulerError) -> SchedulerAnswer
    /// `PUT /tasks/{id}/cancel`.
    func cancelTask(id: Int64) async throws(SchedulerError) -> SchedulerAnswer
}
