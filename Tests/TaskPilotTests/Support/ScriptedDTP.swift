import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A DTP on bare SwiftNIO whose connections a test scripts: it counts the connections
/// TaskPilot opens and can drop one under a request, which no Hummingbird application does.
/// Every create answers task 1; every other call answers task 1 as the DTP shapes it.
final class ScriptedDTP: Sendable {
    enum Action: Sendable {
        /// Answer; with `close`, say `Connection: close` and close afterwards.
        case answer(close: Bool)
        /// Answer without `Content-Length`: the body ends where the connection closes.
        case answerUntilClose
        /// Close the connection without a byte of answer.
        case drop
        /// Reset the connection (RST) without a byte of answer.
        case reset
        /// Never answer, and keep the connection open.
        case hang
    }

    /// What to do with the `requestOnConnection`-th request (from 1) on its connection.
    typealias Script = @Sendable (_ method: HTTPMethod, _ requestOnConnection: Int) -> Action

    static let task = #"{"id":1,"type":"demo","payload":"p","status":"SUCCEEDED","createdAt":"2026-01-27T19:30:24.639878Z","updatedAt":"2026-01-27T19:30:24.724168Z","scheduledFor":"2026-01-27T19:30:24.639878Z","processingStartedAt":"2026-01-27T19:30:24.664782Z","completedAt":"2026-01-27T19:30:24.724168Z","workerId":"w","attemptCount":1,"maxAttempts":3,"nextRunAt":null,"lastError":null,"retryState":"COMPLETED"}"#

    private let channel: any Channel
    private let counts: NIOLockedValueBox<Counts>
    let url: String

    struct Counts {
        var connections = 0
        var requests = 0
        /// The request targets, in the order they came.
        var paths: [String] = []
    }

    var connections: Int { counts.withLockedValue { $0.connections } }
    var requests: Int { counts.withLockedValue { $0.requests } }
    var paths: [String] { counts.withLockedValue { $0.paths } }

    init(script: @escaping Script) async throws {
        let counts = NIOLockedValueBox(Counts())
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                counts.withLockedValue { $0.connections += 1 }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(ScriptedDTPHandler(script: script, counts: counts))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        self.counts = counts
        url = "http://127.0.0.1:\(channel.localAddress?.port ?? 0)"
    }

    func stop() async throws {
        try await channel.close()
    }
}

private final class ScriptedDTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let script: ScriptedDTP.Script
    let counts: NIOLockedValueBox<ScriptedDTP.Counts>
    private var method = HTTPMethod.GET
    private var path = ""
    private var requestsHere = 0

    init(script: @escaping ScriptedDTP.Script, counts: NIOLockedValueBox<ScriptedDTP.Counts>) {
        self.script = script
        self.counts = counts
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            method = head.method
            path = head.uri
        case .body:
            break
        case .end:
            requestsHere += 1
            counts.withLockedValue { [path] in
                $0.requests += 1
                $0.paths.append(path)
            }
            switch script(method, requestsHere) {
            case .drop:
                context.close(promise: nil)
            case .reset:
                // SO_LINGER 0: the close sends RST instead of FIN.
                let channel = context.channel
                guard let socket = channel as? any SocketOptionProvider else {
                    context.close(promise: nil)
                    return
                }
                socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in
                    channel.close(promise: nil)
                }
            case .answer(let close):
                respond(context, close: close, withLength: true)
            case .answerUntilClose:
                respond(context, close: true, withLength: false)
            case .hang:
                break
            }
        }
    }

    /// Task 1, created (201) for a POST; without a length, as HTTP/1.0 (which SwiftNIO's encoder
    /// leaves unframed, where it would chunk an HTTP/1.1 answer).
    private func respond(_ context: ChannelHandlerContext, close: Bool, withLength: Bool) {
        let body = ByteBuffer(string: ScriptedDTP.task)
        var headers = HTTPHeaders([("Content-Type", "application/json")])
        if withLength {
            headers.add(name: "Content-Length", value: String(body.readableBytes))
        }
        if close {
            headers.add(name: "Connection", value: "close")
        }
        let head = HTTPResponseHead(version: withLength ? .http1_1 : .http1_0, status: method == .POST ? .created : .ok, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if close { channel.close(promise: nil) }
        }
    }
}
