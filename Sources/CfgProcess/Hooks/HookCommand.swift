package import CfgSecure
import FoundationEssentials

/// A user's command that cfg runs with a JSON document on its stdin: the hooks of `cfg rotate` (`apply`, `test`,
/// `retire`, Fernet's `confirm`, `after`).
///
/// Values reach a hook only on stdin, never in its arguments or environment. ``run(input:)`` starts the program
/// (located on the `PATH` of ``environment`` like ``Command/locate(_:path:)``) as the leader of a new process group,
/// with:
/// - stdin: a pipe cfg writes `input` into, straight from the secret's guarded memory, then closes (so the hook
///   reads to end of file); a hook that does not read it, or closes it early, is fine (cfg never dies of SIGPIPE);
/// - stdout: cfg's stderr, because cfg's stdout carries its JSON report; stderr: cfg's stderr;
/// - no other descriptor of cfg's (all are closed on `execve`, whether or not cfg opened them close-on-exec);
/// - the signal mask cfg was started with, the default action for every signal cfg handles, and the core limit cfg
///   was started with (as `cfg run`'s command);
/// - exactly ``environment`` as its environment.
///
/// At ``timeout`` (counted from the start, feeding stdin included) the hook's process group gets SIGTERM, and SIGKILL
/// after ``grace`` (or as soon as the hook itself has ended); the hook is reaped, so none is left a zombie.
/// Cancelling the task that runs it stops it the same way.
package struct HookCommand: Sendable {
    /// The program (`argv[0]`) and its arguments (from the environment file; never a value).
    package var arguments: [String]
    /// The hook's whole environment. `cfg rotate` passes its own process environment
    /// (``processEnvironment()``): a hook runs as the user who runs cfg, with the same credentials (to call
    /// `airflow` or the AWS CLI). Swift Strings hold it (not zeroable); the C copies made for `execve` are zeroed.
    package var environment: [(name: String, value: String)]
    /// How long the hook may run, from its start to its exit.
    package var timeout: Duration
    /// How long a timed-out hook has between SIGTERM and SIGKILL.
    package var grace: Duration

    /// - Parameters:
    ///   - arguments: the program and its arguments.
    ///   - environment: the hook's whole environment (usually ``processEnvironment()``).
    ///   - timeout: how long the hook may run.
    ///   - grace: how long a timed-out hook has between SIGTERM and SIGKILL.
    package init(
        arguments: [String],
        environment: [(name: String, value: String)],
        timeout: Duration,
        grace: Duration = .seconds(5)
    ) {
        self.arguments = arguments
        self.environment = environment
        self.timeout = timeout
        self.grace = grace
    }

    /// The program as given (`argv[0]`).
    package var program: String { arguments.first ?? "" }

    /// The executable to start: ``program`` when it contains a `/`, else the first executable file of that name in
    /// the `PATH` of ``environment``; nil when there is none.
    package var executablePath: String? {
        Command.locate(program, path: environment.first { $0.name == "PATH" }?.value)
    }

    /// This process's environment, sorted by name: what a hook gets.
    package static func processEnvironment() -> [(name: String, value: String)] {
        ProcessInfo.processInfo.environment.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
    }

    /// Runs the hook with `input` on its stdin and returns how it ended; see the type's discussion.
    ///
    /// The bytes go from `input` to the pipe with no copy in ordinary memory. Never throws: a program that cannot
    /// start is ``HookOutcome/couldNotStart(_:)``.
    package func run(input: Secret) async -> HookOutcome {
        let deadline = ContinuousClock.now + timeout
        var child: HookChild
        do {
            child = try HookChild.start(self)
        } catch {
            return .couldNotStart(error.description)
        }
        let fed = await child.feed(input, until: deadline)
        child.closeInput()
        if fed, let outcome = await child.outcome(until: deadline) {
            return outcome
        }
        return await child.stop(grace: grace)
    }
}
