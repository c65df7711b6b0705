import Foundation
import TaskPilot
import Testing

@Suite struct ConfigurationTests {
    let folder = TemporaryFolder()

    @Test func defaultsMatchTheContract() async throws {
        let configuration = try await ConfigurationLoader.load(flags: [:], environment: [:], configFile: nil)
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8081)
        #expect(configuration.databasePath == "data/taskpilot.sqlite")
        #expect(configuration.schedulerURL == "http://127.0.0.1:8080")
        #expect(configuration.schedulerTimeoutMilliseconds == 5000)
        #expect(configuration.corsOrigins.isEmpty)
    }

    @Test func flagsBeatEnvironmentBeatsFileBeatsDefaults() async throws {
        let file = folder.path("taskpilot.json")
        try #"{"http":{"host":"0.0.0.0","port":9001,"corsOrigins":["https://a.example"]},"db":{"path":"file.sqlite"},"scheduler":{"url":"http://file:1","timeoutMs":111}}"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        let configuration = try await ConfigurationLoader.load(
            flags: ["http.port": "9003"],
            environment: ["TASKPILOT_PORT": "9002", "TASKPILOT_DB": "env.sqlite", "TASKPILOT_SCHEDULER_TIMEOUT_MS": "222", "UNRELATED": "x"],
            configFile: file
        )
        #expect(configuration.port == 9003)
        #expect(configuration.databasePath == "env.sqlite")
        #expect(configuration.schedulerTimeoutMilliseconds == 222)
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.schedulerURL == "http://file:1")
        #expect(configuration.corsOrigins == ["https://a.example"])
    }

    @Test func listsComeCommaSeparatedFromFlagsAndEnvironment() async throws {
        let configuration = try await ConfigurationLoader.load(
            flags: ["http.corsOrigins": "http://a:1,http://b:2"],
            environment: ["TASKPILOT_API_TOKENS": "one,two"],
            configFile: nil
        )
        #expect(configuration.corsOrigins == ["http://a:1", "http://b:2"])
        #expect(configuration.apiTokens == ["one", "two"])
    }

    @Test func trailingSlashOfTheSchedulerURLIsDropped() async throws {
        let configuration = try await ConfigurationLoader.load(flags: ["scheduler.url": "http://127.0.0.1:8080/"], environment: [:], configFile: nil)
        #expect(configuration.schedulerURL == "http://127.0.0.1:8080")
    }

    @Test(arguments: [
        (["http.port": "eighty"], [String: String](), "http.port"),
        ([:], ["TASKPILOT_PORT": "8o8o"], "http.port"),
        ([:], ["TASKPILOT_PORT": "70000"], "http.port"),
        (["http.port": "-1"], [:], "http.port"),
        (["http.maxBodyBytes": "-1"], [:], "http.maxBodyBytes"),
        (["scheduler.maxQueued": "1000001"], [:], "scheduler.maxQueued"),
        ([:], ["TASKPILOT_SCHEDULER_TIMEOUT_MS": "0"], "scheduler.timeoutMs"),
        ([:], ["TASKPILOT_SCHEDULER_TIMEOUT_MS": "soon"], "scheduler.timeoutMs"),
        (["scheduler.url": "ftp://dtp"], [:], "scheduler.url"),
        (["scheduler.url": "http://dtp/?x=1"], [:], "scheduler.url"),
        (["scheduler.url": "not a url"], [:], "scheduler.url"),
        ([:], ["TASKPILOT_HOST": " "], "http.host"),
        ([:], ["TASKPILOT_DB": ""], "db.path"),
    ])
    func badValuesNameTheirKey(flags: [String: String], environment: [String: String], key: String) async throws {
        let error = await #expect(throws: ConfigurationError.self) {
            _ = try await ConfigurationLoader.load(flags: flags, environment: environment, configFile: nil)
        }
        #expect(error?.key == key)
        #expect(error?.description.hasPrefix("invalid configuration: \(key): ") == true)
        #expect(error?.description.contains("\n") == false)
    }

    @Test func wrongTypeSaysWhatWasExpected() async throws {
        let error = await #expect(throws: ConfigurationError.self) {
            _ = try await ConfigurationLoader.load(flags: ["http.port": "abc"], environment: [:], configFile: nil)
        }
        #expect(error?.description == "invalid configuration: http.port: must be an integer")
    }

    @Test(arguments: [
        ("-1", "invalid configuration: http.port: must be an integer from 0 to 65535, not -1"),
        ("70000", "invalid configuration: http.port: must be an integer from 0 to 65535, not 70000"),
    ])
    func outOfRangeSaysTheRange(port: String, message: String) async throws {
        let error = await #expect(throws: ConfigurationError.self) {
            _ = try await ConfigurationLoader.load(flags: ["http.port": port], environment: [:], configFile: nil)
        }
        #expect(error?.description == message)
    }

    @Test(arguments: [
        (
            #"{"schedular": {"url": "http://dtp:8080"}}"#,
            "schedular: unknown key in FILE; known keys are auth, db, events, http, idempotency, log, metrics, scheduler, shutdown, watch"
        ),
        (
            #"{"http": {"prot": 8081}}"#,
            "http.prot: unknown key in FILE; known keys in http are corsOrigins, host, maxBodyBytes, maxHeaderBytes, maxPageSize, port, readTimeoutMs"
        ),
        (
            #"{"http": 8081}"#,
            "http: must be an object with keys corsOrigins, host, maxBodyBytes, maxHeaderBytes, maxPageSize, port, readTimeoutMs"
        ),
        (#"{"http": {"port": {"value": 8081}}}"#, "http.port: must be a value, not an object"),
        ("[8081]", #"--config: FILE must hold a JSON object, like {"http": {"port": 8081}}"#),
    ])
    func configFileKeysAreChecked(text: String, message: String) async throws {
        let file = folder.path("keys.json")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let error = await #expect(throws: ConfigurationError.self) {
            _ = try await ConfigurationLoader.load(flags: [:], environment: [:], configFile: file)
        }
        #expect(error?.description == "invalid configuration: " + message.replacingOccurrences(of: "FILE", with: file))
    }

    @Test func commentsAreAllowedAtAnyLevelAndNullIsUnset() async throws {
        let file = folder.path("comments.json")
        try #"{"_comment": "top", "http": {"_comment": ["any", "value"], "port": 9000}, "db": null}"#.write(toFile: file, atomically: true, encoding: .utf8)
        let configuration = try await ConfigurationLoader.load(flags: [:], environment: [:], configFile: file)
        #expect(configuration.port == 9000)
    }

    @Test(arguments: [
        ("{\n    \"http\": {\n        \"port\": 8081\n        \"host\": \"0.0.0.0\"\n    }\n}", "line 4, column 9: unexpected '\"', expected ',' or '}'"),
        ("{\n  \"http\": {\n    \"port\": 80 81\n  }\n}", "line 3, column 16: unexpected '8', expected ',' or '}'"),
        (#"{"db": {"path": "x}}"#, "line 1, column 21: unexpected end of file inside a string"),
        ("{\"a\": \"b\n\"}", "line 1, column 9: unterminated string"),
        (#"{"é": tru}"#, "line 1, column 7: unexpected text, expected true"),
        (#"{"http" 1}"#, "line 1, column 9: unexpected '1', expected ':' after the key"),
        (#"{"http": {"corsOrigins": [],}, "db" 1}"#, "line 1, column 29: unexpected '}', expected a key in double quotes"),
        (#"{"http": {"port": 1, "port": 2}}"#, #"line 1, column 22: the key "port" is named twice"#),
        ("{} {}", "line 1, column 4: unexpected '{' after the end of the JSON value"),
        ("", "line 1, column 1: unexpected end of file, expected a value"),
    ])
    func syntaxErrorsNameLineAndColumn(text: String, location: String) async throws {
        let file = folder.path("syntax.json")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let error = await #expect(throws: ConfigurationError.self) {
            _ = try await ConfigurationLoader.load(flags: [:], environment: [:], configFile: file)
        }
        #expect(error?.description == "invalid configuration: --config: \(file) is not valid JSON: \(location)")
    }

    @Test func helpDefaultsComeFromTheConfiguration() {
        #expect(ConfigurationLoader.defaultValue(forKey: "http.port") == "8081")
        #expect(ConfigurationLoader.defaultValue(forKey: "db.path") == "data/taskpilot.sqlite")
        #expect(ConfigurationLoader.defaultValue(forKey: "scheduler.maxResponseBytes") == "1048576")
        #expect(ConfigurationLoader.defaultValue(forKey: "http.corsOrigins") == nil)
    }

    @Test func unreadableConfigFileIsNamed() async throws {
        let file = folder.path("broken.json")
        try "{ not json".write(toFile: file, atomically: true, encoding: .utf8)
        for path in [file, folder.path("missing.json")] {
            let error = await #expect(throws: ConfigurationError.self) {
                _ = try await ConfigurationLoader.load(flags: [:], environment: [:], configFile: path)
            }
            #expect(error?.key == "--config")
        }
        let missing = await #expect(throws: ConfigurationError.self) {
            _ = try await ConfigurationLoader.load(flags: [:], environment: [:], configFile: folder.path("missing.json"))
        }
        #expect(missing?.reason == "cannot read \(folder.path("missing.json")): no such file")
    }

    @Test func shippedConfigFilesLoad() async throws {
        let directory = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "../../config").standardized
        let defaults = try await ConfigurationLoader.load(flags: [:], environment: [:], configFile: directory.appending(path: "taskpilot.json").path)
        #expect(defaults == TaskPilotConfiguration())
        // Every key of the example is known: loading gets as far as reading its token file.
        let example = await #expect(throws: ConfigurationError.self) {
            _ = try await ConfigurationLoader.load(flags: [:], environment: [:], configFile: directory.appending(path: "production.example.json").path)
        }
        #expect(example?.key == "auth.tokenFile")
    }

    @Test func aPostgresURLSelectsPostgreSQLAndItsPasswordNeverShows() async throws {
        let parsed = try await ConfigurationLoader.load(
            flags: ["db.url": "postgres://tp:s3cret%21@db.example.com:6543/taskpilot?sslmode=require"], environment: [:], configFile: nil
        )
        let settings = try #require(try parsed.postgresSettings())
        #expect(settings.host == "db.example.com" && settings.port == 6543 && settings.username == "tp" && settings.database == "taskpilot")
        #expect(settings.password == "s3cret!" && settings.tls == .require)
        #expect(settings.redacted == "postgres://tp@db.example.com:6543/taskpilot?sslmode=require")

        let passwordFile = folder.path("password")
        try "from-file\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let fromFile = try await ConfigurationLoader.load(
            flags: ["db.url": "postgresql://tp@localhost/taskpilot"], environment: ["TASKPILOT_DB_PASSWORD_FILE": passwordFile], configFile: nil
        )
        #expect(try fromFile.postgresSettings()?.password == "from-file")
        #expect(try fromFile.postgresSettings()?.port == 5432)
        let fromEnvironment = try await ConfigurationLoader.load(
            flags: ["db.url": "postgres://tp@localhost/taskpilot"], environment: ["TASKPILOT_DB_PASSWORD": "env-secret"], configFile: nil
        )
        #expect(try fromEnvironment.postgresSettings()?.password == "env-secret")
        let sqlite = try await ConfigurationLoader.load(flags: [:], environment: [:], configFile: nil)
        #expect(try sqlite.postgresSettings() == nil, "SQLite without db.url")

        for (url, reason) in [
            ("mysql://tp:pw@host/db", "must be a postgres://user@host[:port]/database URL"),
            ("postgres://host/db", "must name a user (postgres://user@host/database)"),
            ("postgres://tp:pw@host", "must name one database (postgres://user@host/database)"),
            ("postgres://tp:pw@host/db?sslmode=maybe", "sslmode must be disable, prefer or require"),
            ("postgres://tp:pw@host/db?timeout=3", "knows only the parameter sslmode, not \"timeout\""),
        ] {
            let error = await #expect(throws: ConfigurationError.self) {
                try await ConfigurationLoader.load(flags: ["db.url": url], environment: [:], configFile: nil)
            }
            #expect(error?.key == "db.url")
            #expect(error?.reason == reason)
            #expect(error.map { !"\($0)".contains("pw") } == true, "no password in the message")
        }
    }
}
