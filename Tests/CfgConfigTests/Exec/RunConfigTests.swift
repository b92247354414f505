import Testing

@testable import CfgConfig

/// `run:`: how `cfg run` keeps the command's values current.
struct RunConfigTests {
    private static func parse(_ yaml: String) throws(ConfigError) -> EnvironmentFile {
        try EnvironmentFileLoader.parse(
            yaml,
            file: "environments/dev.yaml",
            projectDirectory: "/project",
            defaultName: "dev"
        )
    }

    /// The `run:` of a file made of the minimal one (line 1) and `section` (from line 2).
    private static func run(_ section: String) throws(ConfigError) -> RunConfig {
        try parse(EnvironmentFixtures.minimal + section).run
    }

    private static func position(_ line: Int, _ column: Int) -> ConfigPosition {
        ConfigPosition(file: "environments/dev.yaml", line: line, column: column)
    }

    // MARK: Defaults

    @Test func absentSectionGetsTheDefaults() throws {
        let run = try Self.parse(EnvironmentFixtures.minimal).run
        #expect(run.refresh == 300)
        #expect(run.onChange == .restart)
        #expect(run.debounce == 5)
        #expect(run.stopSignal == .term)
        #expect(run.stopTimeout == 30)
        #expect(run == RunConfig())
    }

    @Test func emptySectionGetsTheDefaults() throws {
        #expect(
            try Self.run("run: {}\n")
                == RunConfig(refresh: 300, onChange: .restart, debounce: 5, stopSignal: .term, stopTimeout: 30)
        )
    }

    // MARK: Fields

    @Test func everyFieldIsRead() throws {
        let run = try Self.run(
            """
            run:
              refresh: 10m
              on_change: signal
              signal: SIGUSR1
              debounce: 2s
              stop_signal: INT
              stop_timeout: 1m

            """
        )
        #expect(
            run == RunConfig(refresh: 600, onChange: .signal(.usr1), debounce: 2, stopSignal: .int, stopTimeout: 60)
        )
        #expect(run.refresh == 600)
        #expect(run.onChange == .signal(.usr1))
        #expect(run.debounce == 2)
        #expect(run.stopSignal == .int)
        #expect(run.stopTimeout == 60)
    }

    @Test func refreshNeverTurnsPeriodicRereadsOff() throws {
        let run = try Self.run("run: { refresh: never }\n")
        #expect(run.refresh == nil)
        #expect(run.debounce == 5)
    }

    @Test(arguments: [("45s", 45), ("5m", 300), ("2h", 7_200), ("1d", 86_400), ("1w", 604_800)])
    func durationsAreReadInSeconds(_ text: String, _ seconds: Int) throws {
        let run = try Self.run("run: { refresh: \(text), debounce: \(text), stop_timeout: \(text) }\n")
        #expect(run.refresh == seconds)
        #expect(run.debounce == seconds)
        #expect(run.stopTimeout == seconds)
    }

    @Test(arguments: ["SIGHUP", "hup", "HUP", "sighup", "SigHup"])
    func signalNamesAreReadWithOrWithoutSIGInAnyCase(_ name: String) throws {
        let run = try Self.run("run: { on_change: signal, signal: \(name), stop_signal: \(name) }\n")
        #expect(run.onChange == .signal(.hup))
        #expect(run.stopSignal == .hup)
    }

    @Test(arguments: SignalName.allCases)
    func everySignalNameIsAccepted(_ signal: SignalName) throws {
        let run = try Self.run(
            "run: { on_change: signal, signal: SIG\(signal.rawValue), stop_signal: \(signal.rawValue) }\n"
        )
        #expect(run.onChange == .signal(signal))
        #expect(run.stopSignal == signal)
    }

    @Test func onChangeSignalWithoutASignalSendsHUP() throws {
        #expect(try Self.run("run: { on_change: signal }\n").onChange == .signal(.hup))
    }

    @Test(arguments: [("restart", RunConfig.OnChange.restart), ("none", .none)])
    func onChangeWordsAreRead(_ word: String, _ onChange: RunConfig.OnChange) throws {
        #expect(try Self.run("run: { on_change: \(word) }\n").onChange == onChange)
    }

    // MARK: Errors, with their exact position

    /// A `run:` section that must fail (from line 2, after the minimal file), the error's code, and where.
    struct Failure: Sendable, CustomTestStringConvertible {
        var label: String
        var section: String
        var code: ConfigError.Code
        var line: Int
        var column: Int
        var testDescription: String { label }
    }

    static let failures: [Failure] = [
        Failure(
            label: "unknown field",
            section: "run:\n  refresh: 5m\n  restart: always\n",
            code: .unknownField,
            line: 4,
            column: 3
        ),
        Failure(
            label: "unknown field in a flow mapping",
            section: "run: { refersh: 5m }\n",
            code: .unknownField,
            line: 2,
            column: 8
        ),
        Failure(
            label: "run is not a mapping",
            section: "run: [restart]\n",
            code: .invalidValue,
            line: 2,
            column: 6
        ),
        Failure(
            label: "refresh without a unit",
            section: "run:\n  refresh: 300\n",
            code: .invalidValue,
            line: 3,
            column: 12
        ),
        Failure(
            label: "refresh as a boolean",
            section: "run:\n  refresh: false\n",
            code: .invalidValue,
            line: 3,
            column: 12
        ),
        Failure(
            label: "refresh of zero",
            section: "run:\n  on_change: none\n  refresh: 0s\n",
            code: .invalidValue,
            line: 4,
            column: 12
        ),
        Failure(
            label: "fractional debounce",
            section: "run:\n  debounce: 1.5s\n",
            code: .invalidValue,
            line: 3,
            column: 13
        ),
        Failure(
            label: "negative stop_timeout",
            section: "run:\n  stop_timeout: -30s\n",
            code: .invalidValue,
            line: 3,
            column: 17
        ),
        Failure(
            label: "stop_timeout in words",
            section: "run: { stop_timeout: soon }\n",
            code: .invalidValue,
            line: 2,
            column: 22
        ),
        Failure(
            label: "unknown stop_signal",
            section: "run:\n  stop_signal: SIGFOO\n",
            code: .invalidValue,
            line: 3,
            column: 16
        ),
        Failure(
            label: "stop_signal as a number",
            section: "run:\n  stop_signal: 15\n",
            code: .invalidValue,
            line: 3,
            column: 16
        ),
        Failure(
            label: "unknown reload signal",
            section: "run:\n  on_change: signal\n  signal: STOP\n",
            code: .invalidValue,
            line: 4,
            column: 11
        ),
        Failure(
            label: "on_change: reboot",
            section: "run:\n  refresh: 1m\n  on_change: reboot\n",
            code: .invalidValue,
            line: 4,
            column: 14
        ),
        Failure(
            label: "on_change as a boolean",
            section: "run: { on_change: yes }\n",
            code: .invalidValue,
            line: 2,
            column: 19
        ),
        Failure(
            label: "signal with on_change: restart",
            section: "run:\n  on_change: restart\n  signal: HUP\n",
            code: .invalidValue,
            line: 4,
            column: 11
        ),
        Failure(
            label: "signal without on_change (restart by default)",
            section: "run:\n  debounce: 5s\n  signal: SIGUSR2\n",
            code: .invalidValue,
            line: 4,
            column: 11
        ),
    ]

    @Test(arguments: failures)
    func invalidSectionFailsWithCodeAndPosition(_ failure: Failure) {
        let error = #expect(throws: ConfigError(failure.code, "", at: nil)) { try Self.run(failure.section) }
        #expect(error?.position == Self.position(failure.line, failure.column))
        #expect(error?.description.contains("\n") == false)
    }

    @Test func unknownFieldMessageNamesTheAllowedOnes() {
        let error = #expect(throws: ConfigError.self) { try Self.run("run: { restart: always }\n") }
        #expect(
            error?.message
                == "unknown field 'restart' in 'run' (expected one of: debounce, on_change, refresh, signal, stop_signal, stop_timeout)"
        )
    }

    @Test func unknownSignalMessageListsTheNames() {
        let error = #expect(throws: ConfigError.self) { try Self.run("run: { stop_signal: SIGFOO }\n") }
        #expect(error?.message.contains("HUP, INT, QUIT, USR1, USR2, TERM, WINCH, KILL") == true)
        #expect(error?.message.contains("SIGFOO") == false)
    }

    @Test func unknownOnChangeMessageListsTheWords() {
        let error = #expect(throws: ConfigError.self) { try Self.run("run: { on_change: reboot }\n") }
        #expect(error?.message.contains("restart, signal or none") == true)
    }

    /// "No signal unless on_change is signal" holds for `none` as for `restart`: a signal that would be ignored
    /// is refused.
    @Test func signalWithOnChangeNoneIsRejected() {
        let error = #expect(throws: ConfigError(.invalidValue, "", at: nil)) {
            try Self.run("run:\n  on_change: none\n  signal: HUP\n")
        }
        #expect(error?.position == Self.position(4, 11))
    }
}
