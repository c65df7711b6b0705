import Foundation
import NIOCore
import NIOHTTP1

/// Why a call on one connection got no answer, before the pool names the scheduler.
enum SchedulerConnectionFailure: Error {
    /// The connection was closed before the request was written: it can go on another one.
    case notSent
    /// The connection was closed or reset after the request was written, before the answer's
    /// status line. (A close later than that is the decoder's `invalidEOFState`: unreadable.)
    case closedBeforeAnswer
    case timedOut
    case tooLarge
}

/// One keep-alive HTTP/1.1 connection to the DTP, carrying one call at a time.
final class SchedulerConnection: Sendable {
    let channel: any Channel
    private let handler: NIOLoopBound<SchedulerCallHandler>

    /// Made on the channel's event loop, once its pipeline holds `handler`.
    init(channel: any Channel, handler: SchedulerCallHandler) {
        self.channel = channel
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
    }

    /// Sends `request` and gathers the whole answer; `reusable` tells whether the connection
    /// can carry another call afterwards. The handler resumes the caller itself: no future and
    /// no promise per call.
    func send(_ request: SchedulerRequest, deadline: NIODeadline) async throws -> SchedulerCallHandler.Answer {
        try await withUnsafeThrowingContinuation { continuation in
            if channel.eventLoop.inEventLoop {
                handler.value.send(request, deadline: deadline, continuation: continuation)
            } else {
                channel.eventLoop.execute {
                    self.handler.value.send(request, deadline: deadline, continuation: continuation)
                }
            }
        }
    }

    func close() {
        channel.close(promise: nil)
    }
}

/// Writes one request and gathers its answer (status, `Content-Type`, body up to a limit).
/// A deadline, an oversized answer, bytes that are not HTTP or a close mid-call fail the
/// call and close the connection, which is never used again after a failure. A connection
/// without a call for `idleTimeout` closes, before the DTP closes it under a call.
///
/// Deadlines and idleness share one timer per connection, re-armed only when it fires or when
/// a call's deadline comes before it: a timer per call cost a scheduled task (an allocation and
/// a heap insertion and removal on the event loop) on every call, and all calls have the same
/// timeout, so their deadlines only grow.
final class SchedulerCallHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart
    typealias Answer = (response: SchedulerResponse, reusable: Bool)

    /// The call in flight. A class, so that appending to its body does not copy the buffer.
    private final class Call {
        let continuation: UnsafeContinuation<Answer, any Error>
        let deadline: NIODeadline
        var status: Int?
        var contentType: String?
        var keepAlive = true
        var body: ByteBuffer?

        init(continuation: UnsafeContinuation<Answer, any Error>, deadline: NIODeadline) {
            self.continuation = continuation
            self.deadline = deadline
        }
    }

    private let maxResponseBytes: Int
    private let idleTimeout: TimeAmount
    private let eventLoop: any EventLoop
    private var context: ChannelHandlerContext?
    private var call: Call?
    private var closing = false
    private var lastUsed = NIODeadline.now()
    private var timer: Scheduled<Void>?
    private var timerDeadline = NIODeadline.distantFuture

    init(maxResponseBytes: Int, idleTimeout: TimeAmount, eventLoop: any EventLoop) {
        self.maxResponseBytes = maxResponseBytes
        self.idleTimeout = idleTimeout
        self.eventLoop = eventLoop
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        arm(at: lastUsed + idleTimeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        timer?.cancel()
        timer = nil
    }

    /// Resumes `continuation` exactly once: with the answer, or with why there is none.
    func send(_ request: SchedulerRequest, deadline: NIODeadline, continuation: UnsafeContinuation<Answer, any Error>) {
        guard let context, call == nil, !closing, context.channel.isActive else {
            continuation.resume(throwing: SchedulerConnectionFailure.notSent)
            return
        }
        call = Call(continuation: continuation, deadline: deadline)
        if deadline < timerDeadline {
            arm(at: deadline)
        }
        var headers = request.headers
        if let body = request.body {
            headers.add(name: "Content-Length", value: String(body.readableBytes))
        } else if request.method != .GET {
            headers.add(name: "Content-Length", value: "0")
        }
        let head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.path, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body = request.body {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let current = call else {
            // An answer nobody asked for: the connection is out of step.
            closing = true
            context.close(promise: nil)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head):
            current.status = Int(head.status.code)
            current.contentType = head.headers.first(name: "Content-Type")
            current.keepAlive = head.isKeepAlive
        case .body(var part):
            guard (current.body?.readableBytes ?? 0) + part.readableBytes <= maxResponseBytes else {
                fail(SchedulerConnectionFailure.tooLarge)
                return
            }
            if current.body == nil {
                current.body = part
            } else {
                current.body!.writeBuffer(&part)
            }
        case .end:
            guard let status = current.status else { return }
            call = nil
            lastUsed = .now()
            if !current.keepAlive {
                closing = true
                context.close(promise: nil)
            }
            let response = SchedulerResponse(status: status, contentType: current.contentType, body: current.body ?? ByteBuffer())
            current.continuation.resume(returning: (response, current.keepAlive))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        fail(call?.status == nil ? SchedulerConnectionFailure.closedBeforeAnswer : HTTPParserError.invalidEOFState)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A DTP that closes a kept connection may reset it rather than close it cleanly.
        if let error = error as? IOError, [ECONNRESET, EPIPE].contains(error.errnoCode), call?.status == nil {
            fail(SchedulerConnectionFailure.closedBeforeAnswer)
        } else {
            fail(error)
        }
    }

    /// The one timer: fails a call past its deadline, closes a connection idle for too long,
    /// else waits for whichever comes next.
    private func timerFired() {
        timer = nil
        timerDeadline = .distantFuture
        guard context != nil, !closing else { return }
        let now = NIODeadline.now()
        if let current = call {
            if current.deadline <= now {
                fail(SchedulerConnectionFailure.timedOut)
            } else {
                arm(at: current.deadline)
            }
        } else if lastUsed + idleTimeout <= now {
            closing = true
            context?.close(promise: nil)
        } else {
            arm(at: lastUsed + idleTimeout)
        }
    }

    private func arm(at deadline: NIODeadline) {
        timer?.cancel()
        timerDeadline = deadline
        let handler = NIOLoopBound(self, eventLoop: eventLoop)
        timer = eventLoop.scheduleTask(deadline: deadline) {
            handler.value.timerFired()
        }
    }

    /// Fails the call in flight, if any, with `error`, and closes the connection; the close
    /// comes after the call is taken, so that it cannot fail the call for a reason of its own.
    private func fail(_ error: any Error) {
        closing = true
        let current = call
        call = nil
        context?.close(promise: nil)
        current?.continuation.resume(throwing: error)
    }
}
