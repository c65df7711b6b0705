import Hummingbird

/// The request context of every TaskPilot route.
public struct TaskPilotRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}
