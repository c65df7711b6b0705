import HTTPTypes
import Instrumentation
import NIOHTTP1
import ServiceContextModule

/// Carries a request's id and W3C trace context in and out, as swift-distributed-tracing's
/// `Instrument`: extracted from each request's headers, injected into each DTP call's. No
/// tracer is bootstrapped and no span exported; this is the propagation part only.
struct TraceContextPropagator: Instrument {
    static let requestIdHeader = "X-Request-Id"
    static let traceParentHeader = "traceparent"
    static let traceStateHeader = "tracestate"

    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        context.requestTrace = RequestTrace(
            requestIdHeader: extractor.extract(key: Self.requestIdHeader, from: carrier),
            traceParent: extractor.extract(key: Self.traceParentHeader, from: carrier),
            traceState: extractor.extract(key: Self.traceStateHeader, from: carrier)
        )
    }

    func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        guard let trace = context.requestTrace else { return }
        injector.inject(trace.requestId, forKey: Self.requestIdHeader, into: &carrier)
        injector.inject(trace.childTraceParent(), forKey: Self.traceParentHeader, into: &carrier)
        if let state = trace.traceState {
            injector.inject(state, forKey: Self.traceStateHeader, into: &carrier)
        }
    }
}

/// Reads a request's headers; of a repeated header, the first. The propagator's own three
/// names are made once, not parsed from their text on every request.
struct HTTPFieldsExtractor: Extractor {
    private static let requestId = HTTPField.Name(TraceContextPropagator.requestIdHeader)!
    private static let traceParent = HTTPField.Name(TraceContextPropagator.traceParentHeader)!
    private static let traceState = HTTPField.Name(TraceContextPropagator.traceStateHeader)!

    func extract(key: String, from fields: HTTPFields) -> String? {
        let name: HTTPField.Name? = switch key {
        case TraceContextPropagator.requestIdHeader: Self.requestId
        case TraceContextPropagator.traceParentHeader: Self.traceParent
        case TraceContextPropagator.traceStateHeader: Self.traceState
        default: HTTPField.Name(key)
        }
        return name.flatMap { fields[$0] }
    }
}

/// Writes an outgoing DTP call's headers, which hold none of these before.
struct HTTPHeadersInjector: Injector {
    func inject(_ value: String, forKey key: String, into headers: inout HTTPHeaders) {
        headers.add(name: key, value: value)
    }
}
