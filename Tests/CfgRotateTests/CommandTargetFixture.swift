import CfgProcess
import CfgSecure
import Foundation

/// Hooks for the command-target tests: python3 scripts (in argv, not secret) that record what reached them in a
/// scratch directory, which the tests read.
enum HookScript {
    /// Saves its stdin, /proc/self/cmdline and /proc/self/environ into `argv[1]` (`stdin`, `cmdline`, `environ`,
    /// one set per call, numbered: `stdin.1`, `stdin.2`…), then exits with `argv[2]`.
    static let recorder = """
        import os, sys
        d, status = sys.argv[1], int(sys.argv[2])
        n = 1
        while os.path.exists(os.path.join(d, "stdin.%d" % n)):
            n += 1
        def save(name, data):
            with open(os.path.join(d, "%s.%d" % (name, n)), "wb") as f:
                f.write(data)
        save("cmdline", open("/proc/self/cmdline", "rb").read())
        save("environ", open("/proc/self/environ", "rb").read())
        save("stdin", sys.stdin.buffer.read())
        sys.exit(status)
        """

    /// A fake target that holds one credential in the file `argv[1]/target` (a test's scratch file): `test` exits 0
    /// when `pending` is what it holds, `apply` replaces it with `pending` when `current` is what it holds, `retire`
    /// records the retired value's phase. Every call appends its phase to `argv[1]/log`.
    static let target = """
        import json, os, sys
        d = sys.argv[1]
        doc = json.load(sys.stdin)
        with open(os.path.join(d, "log"), "a") as f:
            f.write(doc["phase"] + "\\n")
        state = os.path.join(d, "target")
        def text(v):
            return v if isinstance(v, str) else json.dumps(v, sort_keys=True)
        held = open(state).read()
        if doc["phase"] == "test":
            sys.exit(0 if text(doc["pending"]) == held else 1)
        if doc["phase"] == "apply":
            if text(doc["current"]) != held:
                sys.exit(1)
            with open(state, "w") as f:
                f.write(text(doc["pending"]))
            sys.exit(0)
        sys.exit(0 if text(doc["old"]) != held else 1)
        """

    /// A python3 hook running `script` with `arguments`, with cfg's own environment.
    static func command(_ script: String, _ arguments: [String], timeout: Duration = .seconds(60)) -> HookCommand {
        HookCommand(
            arguments: ["python3", "-c", script] + arguments,
            environment: HookCommand.processEnvironment(),
            timeout: timeout,
            grace: .milliseconds(300)
        )
    }

    /// `/bin/sh -c script`, with cfg's own environment.
    static func shell(_ script: String, timeout: Duration = .seconds(60)) -> HookCommand {
        HookCommand(
            arguments: ["/bin/sh", "-c", script],
            environment: HookCommand.processEnvironment(),
            timeout: timeout,
            grace: .milliseconds(300)
        )
    }

    /// The text of `directory/name` ("" when there is none).
    static func read(_ directory: String, _ name: String) -> String {
        (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)) ?? ""
    }

    /// The JSON object in `directory/name`.
    static func document(_ directory: String, _ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.coderReadCorrupt)
        }
        return object
    }
}
