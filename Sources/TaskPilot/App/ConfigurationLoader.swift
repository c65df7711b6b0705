import Configuration

/// Reads `TaskPilotConfiguration` with swift-configuration. Highest wins: command-line flags,
/// environment, the JSON config file, built-in defaults.
public enum ConfigurationLoader {
    /// Each key and the environment variable that sets it. Flags reach the loader already
    /// keyed by configuration key, so both are read through the same names and parsing.
    public static var environmentNames: [String: String] {
        var names = [
            "http.corsOrigins": "TASKPILOT_CORS_ORIGINS",
            "auth.tokens": "TASKPILOT_API_TOKENS",
            "auth.tokenFile": "TASKPILOT_API_TOKEN_FILE",
        ]
        for setting in BoolSetting.all {
            names[setting.key] = setting.environment
        }
        for setting in StringSetting.all {
            names[setting.key] = setting.environment
        }
        for setting in IntegerSetting.all {
            names[setting.key] = setting.environment
        }
        return names
    }

    /// The value `key` has when nothing sets it, as help text shows it; nil where there is none.
    /// Read from `TaskPilotConfiguration` itself so that help cannot drift from the code.
    public static func defaultValue(forKey key: String) -> String? {
        let defaults = TaskPilotConfiguration()
        if let setting = StringSetting.all.first(where: { $0.key == key }) {
            return defaults[keyPath: setting.property]
        }
        if let setting = IntegerSetting.all.first(where: { $0.key == key }) {
            return String(defaults[keyPath: setting.property])
        }
        if let setting = BoolSetting.all.first(where: { $0.key == key }) {
            return String(defaults[keyPath: setting.property])
        }
        return nil
    }

    /// - Parameters:
    ///   - flags: values given on the command line, keyed by configuration key (`http.port`).
    ///   - environment: the process environment.
    ///   - configFile: a JSON file shaped like `config/taskpilot.json`, or nil for none.
    public static func load(
        flags: [String: String],
        environment: [String: String],
        configFile: String?
    ) async throws -> TaskPilotConfiguration {
        let environmentNames = Self.environmentNames
        var providers: [any ConfigProvider] = [
            stringProvider(flags.reduce(into: [:]) { named, flag in
                if let name = environmentNames[flag.key] { named[name] = flag.value }
            }, names: environmentNames),
            stringProvider(environment.filter { environmentNames.values.contains($0.key) }, names: environmentNames),
        ]
        if let configFile {
            try ConfigurationFile.check(configFile, knownKeys: Set(environmentNames.keys))
            do {
                let location = ConfigReader(provider: InMemoryProvider(values: ["filePath": ConfigValue(.string(configFile), isSecret: false)]))
                providers.append(try await FileProvider<JSONSnapshot>(config: location))
            } catch {
                throw ConfigurationError(key: "--config", reason: "cannot read \(configFile): \(error)")
            }
        }
        let reader = ConfigReader(providers: providers)

        var configuration = TaskPilotConfiguration()
        for setting in StringSetting.all {
            try await read(setting.key, expecting: "a string") {
                if let value = try await reader.fetchString(forKey: $0) {
                    configuration[keyPath: setting.property] = value
                }
            }
        }
        for setting in IntegerSetting.all {
            try await read(setting.key, expecting: "an integer") {
                if let value = try await reader.fetchInt(forKey: $0) {
                    configuration[keyPath: setting.property] = value
                }
            }
        }
        try await read("http.corsOrigins", expecting: "a list of strings") { configuration.corsOrigins = try await reader.fetchStringArray(forKey: $0) ?? [] }
        try await read("auth.tokens", expecting: "a list of strings") { configuration.apiTokens = try await reader.fetchStringArray(forKey: $0, isSecret: true) ?? [] }
        try await read("auth.tokenFile", expecting: "a string") { configuration.apiTokenFile = try await reader.fetchString(forKey: $0) }
        for setting in BoolSetting.all {
            try await read(setting.key, expecting: "true or false") {
                if let value = try await reader.fetchBool(forKey: $0) {
                    configuration[keyPath: setting.property] = value
                }
            }
        }
        return try configuration.validated()
    }

    /// A provider over plain strings (flags, environment), looked up by each key's environment name.
    private static func stringProvider(_ values: [String: String], names: [String: String]) -> some ConfigProvider {
        KeyMappingProvider(upstream: EnvironmentVariablesProvider(environmentVariables: values)) { key in
            AbsoluteConfigKey([names[key.components.joined(separator: ".")] ?? "TASKPILOT_UNKNOWN_KEY"])
        }
    }

    /// Runs one read, turning a value of the wrong type into an error that names the key.
    private static func read(_ key: String, expecting type: String, _ body: (ConfigKey) async throws -> Void) async throws {
        do {
            try await body(ConfigKey(key))
        } catch {
            throw ConfigurationError(key: key, reason: "must be \(type)")
        }
    }
}

/// The plain string settings, like `IntegerSetting`: key, environment variable and where each goes.
private struct StringSetting {
    let key: String
    let environment: String
    let property: WritableKeyPath<TaskPilotConfiguration, String>

    static var all: [StringSetting] {
        [
            .init(key: "http.host", environment: "TASKPILOT_HOST", property: \.host),
            .init(key: "db.path", environment: "TASKPILOT_DB", property: \.databasePath),
            .init(key: "db.url", environment: "TASKPILOT_DB_URL", property: \.databaseURL),
            .init(key: "db.password", environment: "TASKPILOT_DB_PASSWORD", property: \.databasePassword),
            .init(key: "db.passwordFile", environment: "TASKPILOT_DB_PASSWORD_FILE", property: \.databasePasswordFile),
            .init(key: "scheduler.url", environment: "TASKPILOT_SCHEDULER_URL", property: \.schedulerURL),
            .init(key: "log.level", environment: "TASKPILOT_LOG_LEVEL", property: \.logLevel),
            .init(key: "log.format", environment: "TASKPILOT_LOG_FORMAT", property: \.logFormat),
        ]
    }
}

/// The on/off settings, like `IntegerSetting`.
private struct BoolSetting {
    let key: String
    let environment: String
    let property: WritableKeyPath<TaskPilotConfiguration, Bool>

    static var all: [BoolSetting] {
        [
            .init(key: "watch.enabled", environment: "TASKPILOT_WATCH_ENABLED", property: \.watchEnabled),
            .init(key: "metrics.enabled", environment: "TASKPILOT_METRICS_ENABLED", property: \.metricsEnabled),
            .init(key: "metrics.public", environment: "TASKPILOT_METRICS_PUBLIC", property: \.metricsPublic),
        ]
    }
}
